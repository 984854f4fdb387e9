"""The assessment area: assessing applications and permits (assess, inputs), licensing decisions, continuous
re-assessment, restricted-party screening, the evidence files exchanged, and what they need from storage."""
