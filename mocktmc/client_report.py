"""`mocktmc report`: a server's client report (GET /_mocktmc/report, control/client_rules.py) fetched over HTTP and
written for a person (text), a program (JSON) or CI (a JUnit file: a test case per finding, and one per rule that
found nothing, so that CI lists each finding by its rule).

Plain standard library: the command runs where only the wheel is installed, against any mocktmc server. The
pytest plugin, which every pytest session loads, reads SEVERITIES and at_least from here: what only fetching and
JUnit need (urllib, ElementTree) is imported where they are used.
"""
from __future__ import annotations

import json
from typing import Any

SEVERITIES = ("info", "warning", "error")  # least to most severe


class ReportError(Exception):
    """The report could not be had: the server is unreachable, refused the request, or is not a mocktmc."""


def at_least(severity: str, threshold: str) -> bool:
    """Whether a finding of `severity` counts at `threshold` ('never' counts nothing)."""
    return threshold != "never" and SEVERITIES.index(severity) >= SEVERITIES.index(threshold)


def fetch(url: str, *, account: str | None = None, token: str | None = None, since: int | None = None,
          control_token: str | None = None, timeout: float = 30.0) -> dict[str, Any]:
    """The report of the mocktmc server at `url`, filtered as GET /_mocktmc/report filters it."""
    import urllib.error
    import urllib.parse
    import urllib.request
    query = {key: value for key, value in (("account", account), ("token", token), ("since", since))
             if value is not None}
    address = f"{url.rstrip('/')}/_mocktmc/report" + (f"?{urllib.parse.urlencode(query)}" if query else "")
    request = urllib.request.Request(address, headers={"Accept": "application/json"})
    if control_token:
        request.add_header("Authorization", f"Bearer {control_token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = json.load(response)
    except urllib.error.HTTPError as exc:  # a TMC-shaped error: say what the server said
        try:
            said = json.load(exc).get("message") or exc.reason
        except (ValueError, AttributeError):
            said = exc.reason
        raise ReportError(f"{address} answered {exc.code}: {said}") from None
    except (OSError, ValueError) as exc:  # refused, timed out, or not JSON
        raise ReportError(f"{address}: {getattr(exc, 'reason', None) or exc}") from None
    if not isinstance(body, dict) or not isinstance(body.get("findings"), list):
        raise ReportError(f"{address} did not answer a client report (is it a mocktmc server?)")
    return body


def _whose(report: dict[str, Any]) -> str:
    if report.get("token"):
        return f"token {report['token']}"
    return f"account {report['account']}" if report.get("account") else "every account"


def text(report: dict[str, Any], threshold: str) -> str:
    """The report for a person: each finding with its severity, rule, requests and fix; then a count."""
    findings = report["findings"]
    span = f", seqs {report['seqs'][0]}-{report['seqs'][1]}" if report.get("seqs") else ""
    lines = [f"mocktmc client report: {_whose(report)}, {report['entries']} requests judged{span}, "
             f"{len(report['rules'])} rules"]
    for finding in findings:
        mark = "FAIL" if at_least(finding["severity"], threshold) else "note"
        seqs = ", ".join(str(seq) for seq in finding["seqs"][:20]) + (
            f" (+{len(finding['seqs']) - 20} more)" if len(finding["seqs"]) > 20 else "")
        lines += [f"  {mark} {finding['severity']:<7} {finding['rule']}: requests {seqs}",
                  f"       {finding['message']}"]
    counts = {severity: sum(1 for finding in findings if finding["severity"] == severity) for severity in SEVERITIES}
    failing = sum(1 for finding in findings if at_least(finding["severity"], threshold))
    lines.append(f"{len(findings)} finding(s): {counts['error']} error, {counts['warning']} warning, "
                 f"{counts['info']} info; {failing} at or above {threshold}" if findings
                 else "no findings: the client broke none of the rules")
    return "\n".join(lines) + "\n"


def junit(report: dict[str, Any], threshold: str) -> str:
    """JUnit XML: a test case per finding (failed when at or above `threshold`) and one per quiet rule."""
    import xml.etree.ElementTree as ET
    findings = report["findings"]
    failing = [finding for finding in findings if at_least(finding["severity"], threshold)]
    suite = ET.Element("testsuite", name=f"mocktmc client report ({_whose(report)})",
                       tests=str(len(findings) + len({rule["name"] for rule in report["rules"]}
                                                     - {finding["rule"] for finding in findings})),
                       failures=str(len(failing)), errors="0", skipped="0")
    found = {finding["rule"] for finding in findings}
    rules = {rule["name"]: rule for rule in report["rules"]}
    for name, rule in rules.items():
        if name not in found:
            ET.SubElement(suite, "testcase", classname=f"client_rules.{rule['severity']}", name=name)
    for number, finding in enumerate(findings, 1):
        case = ET.SubElement(suite, "testcase", classname=f"client_rules.{finding['severity']}",
                             name=f"{finding['rule']} #{number} (requests {finding['seqs'][0]}...)")
        rule = rules.get(finding["rule"], {})
        detail = (f"{finding['message']}\n\nrequests (journal seqs): {', '.join(map(str, finding['seqs']))}\n"
                  f"why it matters: {rule.get('why', '')}\nevidence: {rule.get('evidence', '')}")
        if finding in failing:
            ET.SubElement(case, "failure", message=finding["message"],
                          type=f"{finding['severity']}:{finding['rule']}").text = detail
        else:
            ET.SubElement(case, "system-out").text = detail
    root = ET.Element("testsuites", name="mocktmc client report")
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
