"""The one name module, for parties and makers alike: how a name as typed is folded (legal forms, "&" and
its words, punctuation, script) and how two names are compared, with the parts of the score.

Built on rigour (OpenSanctions' name library: legal-form tables, transliteration, phonetics) and rapidfuzz.
"""
