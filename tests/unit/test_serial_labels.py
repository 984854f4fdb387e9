"""Serial labels (domain/serial_labels.py and its data file): every documented label, in every language, is
dropped before the serial key, on the value's line or alone on the line before; part-number labels never are."""

from __future__ import annotations

import pytest

from endwatch.domain.serial_labels import label_data, strip_label
from endwatch.domain.serials import serial_key

SERIAL = "AB-1234"
LABELS = [(code, label) for code, lang in label_data()["serial_labels"].items() for label in lang["labels"]]

# The labels issue 13 names, by language: each must be in the data file.
NAMED = {
    "en": ["S/N", "SN", "Serial No.", "Ser. No.", "Serial Number"],
    "de": ["Seriennummer", "Ser.-Nr.", "Fabrik-Nr.", "Werk-Nr."],
    "fr": ["N° de série", "No de série", "Numéro de série"],
    "it": ["Numero di serie", "Matricola", "N. di serie"],
    "es": ["Número de serie", "N.º de serie"],
    "ru": ["Заводской номер", "Зав. №", "Серийный номер", "Сер. №"],
    "uk": ["Заводський номер", "Серійний номер"],
    "tr": ["Seri No", "Seri Numarası"],
    "he": ["מספר סידורי", "מס' סידורי"],
    "zh": ["序列号", "出厂编号", "编号"],
    "ko": ["일련번호", "제조번호", "시리얼 번호"],
}


@pytest.mark.parametrize("code", sorted(NAMED))
def test_every_language_of_the_issue_has_its_labels_documented(code):
    documented = label_data()["serial_labels"][code]["labels"]
    missing = [x for x in NAMED[code] if x not in documented]
    assert not missing, missing


@pytest.mark.parametrize(("code", "label"), LABELS)
def test_each_label_is_dropped_with_a_colon_on_one_line_or_alone_on_the_line_before(code, label):
    assert serial_key(f"{label}: {SERIAL}") == "AB1234", (code, label)
    assert serial_key(f"  {label}:{SERIAL}") == "AB1234", (code, label)
    assert serial_key(f"{label}\n{SERIAL}") == "AB1234", (code, label)
    assert serial_key(f"{label}\r\n  {SERIAL}\n") == "AB1234", (code, label)


@pytest.mark.parametrize(("code", "label"), [(c, x) for c, x in LABELS if not (x.isalpha() and len(x) <= 3)])
def test_each_label_but_a_bare_short_one_is_dropped_before_a_space(code, label):
    assert serial_key(f"{label} {SERIAL}") == "AB1234", (code, label)


@pytest.mark.parametrize("typed", ["Serial No.AB-1234", "SERIAL NUMBER: ab 1234", "ser. no. AB-1234",
                                   "S.N. AB-1234", "SN# AB-1234", "No. AB-1234", "Nr. AB-1234",
                                   "\u2116 AB-1234", "\u2116AB-1234", "N\u00b0 AB-1234", "Nr.:AB-1234",
                                   "SERIENNUMMER AB-1234", "Ser. Nr. AB-1234", "Werknummer AB-1234",
                                   "No de serie AB-1234", "numero de serie AB-1234", "N.o de serie AB-1234",
                                   "MATRICOLA AB-1234", "Num. de serie AB-1234", "N/S AB-1234",
                                   "ЗАВОДСКОЙ НОМЕР AB-1234", "Зав.№AB-1234", "Сер.№ AB-1234", "Заводський № AB-1234",
                                   "SERI NO: AB-1234", "Seri Numarasi AB-1234", "מס׳ סידורי AB-1234",
                                   "序列号AB-1234", "出厂编号\uff1aAB-1234", "編號 AB-1234", "시리얼번호 AB-1234",
                                   "\uff33/\uff2e\uff1a AB-1234"])
def test_abbreviations_with_and_without_punctuation_case_and_script_forms(typed):
    assert serial_key(typed) == "AB1234", typed


@pytest.mark.parametrize(("typed", "key"), [
    ("SN12345", "SN12345"), ("SN 12345", "SN12345"), ("No 123", "NO123"), ("NR-5", "NR5"),
    ("SERIAL123", "SERIAL123"), ("Serial No.", "SERIALNO"), ("MATRICOLA", "MATRICOLA"),
])
def test_letters_that_may_be_the_serial_are_kept(typed, key):
    assert serial_key(typed) == key


def test_part_numbers_are_not_serials():
    for label in label_data()["not_serial_labels"]["labels"]:
        assert label not in {x for _, x in LABELS}, label
        assert strip_label(f"{label}: 123") == f"{label}: 123", label
    assert serial_key("P/N 123") == "PN123" != serial_key("S/N 123")
    # On a plate of several lines, the serial's line is taken, not the part number's.
    assert serial_key("P/N: 4711-02\nS/N: AB-1234\nModel: MX") == "AB1234"
    assert serial_key("P/N 4711-02\nSerial No.\nAB-1234") == "AB1234"
