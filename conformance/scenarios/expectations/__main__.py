"""`python -m conformance.scenarios.expectations`: regenerate the scenario schema's `expect` and its docs page."""

from pathlib import Path

from conformance.scenarios.expectations import write_generated

write_generated(Path(__file__).resolve().parents[3])
