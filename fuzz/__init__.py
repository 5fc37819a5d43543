"""Fuzzing harnesses (atheris) for the code that reads what strangers send: photos and mail.

Each harness module holds a plain ``check(data: bytes) -> None`` that feeds one
input to its target and raises ``AssertionError`` (or lets an unexpected
exception out) when the target breaks its contract. Run as a module it hands
``check`` to atheris: ``python -m fuzz.photo_pipeline CORPUS_DIR SEED_DIR
-max_total_time=60`` (see ``make fuzz``). The test suite imports the same
modules without atheris and runs ``check`` over the seed corpus and the
crashes found so far (``tests/test_fuzz_harnesses.py``).
"""
