"""The README's example test runs as written, so the section cannot drift from what mocktmc does."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parent.parent / "README.md"
SECTION = "## Testing a TMC client with mocktmc"


def example() -> str:
    """The section's Python code blocks, joined: the example is one test module."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n{SECTION}\n")
    end = text.index("\n## ", start + 1)
    assert text[end:].startswith("\n## HTTP conventions\n"), "the section belongs right before 'HTTP conventions'"
    blocks = re.findall(r"^```python\n(.*?)^```$", text[start:end], re.MULTILINE | re.DOTALL)
    assert blocks, f"no python code block in the README section {SECTION!r}"
    return "\n\n".join(blocks)


def run(pytester: pytest.Pytester, code: str) -> pytest.RunResult:
    pytester.makepyfile(test_tmc_client=code)
    return pytester.runpytest("-p", "no:cacheprovider", "--strict-markers")


def test_the_readme_example_passes(pytester):
    code = example()
    tests = len(re.findall(r"^def test_", code, re.MULTILINE))
    assert tests >= 2
    result = run(pytester, code)
    result.assert_outcomes(passed=tests)


@pytest.mark.parametrize("change", [
    ('outcome="EXECUTION_FAILED"', 'outcome="EXECUTION_SUCCESS"'),  # the run's outcome is checked
    ("times=1)", "times=2)"),  # the retry is checked through the journal
    ('"Retry-After", "1"', '"Retry-After-Not", "1"'),  # the mock clock's move is checked
])
def test_the_readme_example_really_asserts(pytester, change):
    """A wrong client or a wrong script must fail the example: proof that its assertions run."""
    code = example()
    assert change[0] in code
    result = run(pytester, code.replace(change[0], change[1], 1))
    assert result.parseoutcomes().get("failed", 0) >= 1, result.stdout.str()
