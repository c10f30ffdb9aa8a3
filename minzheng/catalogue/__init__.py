"""The catalogue: the closed vocabularies every area shares — programmes, application workflows, staff roles
and what each role may do (issue 13). It sits at the bottom of the import layers beside ``common`` and
imports nothing of ours, so any module may read it; no other product module spells a programme, workflow
or role code as a literal (``scripts/check_catalogue.py``, run by ``make lint`` and the suite)."""
