"""What users install is what the tests prove.

The sdist and the wheel are built from this checkout's files the way pip and the Dockerfile build them (the
wheel from the sdist), then installed into clean virtual environments that see nothing of the checkout and
no network: their dependencies come from the wheelhouse `make test` fills at the versions of constraints.txt.
Installed that way, mocktmc serves the demo world and runs the core loop, `mocktmc routes` prints
OPERATIONS.md, and with the `kit` extra the pytest plugin and `mocktmc contract` work. The Docker image's
build stage, fed the build context .dockerignore leaves, builds the same wheel.
"""
from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
import requests

import mocktmc

from .serving import served

# One worker builds the archives and the venvs once (the fixtures are the module's) and runs every test on them.
pytestmark = [pytest.mark.artifact, pytest.mark.xdist_group("artifact")]

ROOT = Path(__file__).resolve().parent.parent
# Each folder of the checkout that ships, and where its files sit in the wheel.
SHIPPED_AS = {"mocktmc": "mocktmc", "contracts": "mocktmc/contracts", "fixtures": "mocktmc/fixtures"}
KIT_ENGINES = ("pytest", "hypothesis", "schemathesis")
LOAD_CUSTOMERS = "65f1a0c2e4b0a1b2c3d42001"  # a task of the demo world: succeeds after about 8 seconds


# --- what the checkout holds, and what an archive lacks of it ----------------------------------------
def source_files(root: Path = ROOT) -> list[str]:
    """The files a commit of this checkout holds (tracked, or new and not ignored), relative to root."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=root,
                            capture_output=True, check=False)
    if listed.returncode == 0:
        return sorted({name for name in listed.stdout.decode().split("\0") if name and (root / name).is_file()})
    skip = {".git", ".venv", "build", "dist", "__pycache__", ".pytest_cache", ".hypothesis"}  # not a git checkout
    return sorted(str(path.relative_to(root)) for path in root.rglob("*")
                  if path.is_file() and not skip & set(path.relative_to(root).parts)
                  and not path.name.endswith((".pyc", ".egg-info")))


def shipped_files(files: list[str]) -> dict[str, str]:
    """Each file of the shipped folders -> its name in the wheel."""
    shipped = {}
    for name in files:
        folder, _, rest = name.partition("/")
        if folder in SHIPPED_AS and rest:
            shipped[name] = f"{SHIPPED_AS[folder]}/{rest}"
    return shipped


def missing_from_wheel(wheel: Path, files: list[str]) -> list[str]:
    names = set(zipfile.ZipFile(wheel).namelist())
    return sorted(name for name, in_wheel in shipped_files(files).items() if in_wheel not in names)


def build(source: Path, out: Path) -> tuple[Path, Path]:
    """(sdist, wheel) of the project in `source`, the wheel built from the sdist, with no network."""
    result = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return next(out.glob("mocktmc-*.tar.gz")), next(out.glob("mocktmc-*.whl"))


def copy_of_checkout(files: list[str], into: Path) -> Path:
    for name in files:
        (into / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, into / name)
    return into


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> tuple[Path, Path]:
    """The sdist and the wheel, built from a copy of the checkout's files (no stale build/ or egg-info)."""
    source = copy_of_checkout(source_files(), tmp_path_factory.mktemp("source"))
    return build(source, tmp_path_factory.mktemp("dist"))


# --- clean virtual environments ----------------------------------------------------------------------
def clean_env() -> dict[str, str]:
    """The environment of a process that must not see this checkout or this test run's venv."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP") and not key.startswith(
               ("MOCKTMC_", "TMC_", "PYTEST_", "HYPOTHESIS"))}
    return env


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory) -> Path:
    """The pinned wheels `make test` downloaded; fetched here only where a venv was made some other way."""
    made_by_make = Path(sys.prefix) / "wheelhouse"
    if made_by_make.is_dir() and any(made_by_make.glob("*.whl")):
        return made_by_make
    fetched = tmp_path_factory.mktemp("wheelhouse")
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--no-deps", "-d",
                    str(fetched), "-r", str(ROOT / "constraints.txt")], check=True)
    return fetched


def make_venv(where: Path, wheelhouse: Path, requirement: str) -> Path:
    """A venv at `where` with only `requirement` and what it declares, installed offline; its bin folder."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-index",
                    "--find-links", str(wheelhouse), "-c", str(ROOT / "constraints.txt"), requirement],
                   check=True, env=clean_env(), cwd=where)
    return where / "bin"


@pytest.fixture(scope="module")
def outside(tmp_path_factory) -> Path:
    """A working folder far from the checkout, so that nothing of it is importable from the current folder."""
    return tmp_path_factory.mktemp("user-project")


@pytest.fixture(scope="module")
def serve_only(dist, wheelhouse, tmp_path_factory) -> Path:
    """`pip install mocktmc`: the wheel alone, no kit."""
    return make_venv(tmp_path_factory.mktemp("venv-serve"), wheelhouse, str(dist[1]))


@pytest.fixture(scope="module")
def with_kit(dist, wheelhouse, tmp_path_factory) -> Path:
    """`pip install 'mocktmc[kit]'`."""
    return make_venv(tmp_path_factory.mktemp("venv-kit"), wheelhouse, f"{dist[1]}[kit]")


def run(bin_dir: Path, *args: str, cwd: Path, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(bin_dir / args[0]), *args[1:]], cwd=cwd, env={**clean_env(), **env},
                          capture_output=True, text=True, timeout=timeout, check=False)


# --- the archives ------------------------------------------------------------------------------------
def test_the_wheel_holds_every_module_and_data_file(dist):
    _, wheel = dist
    files = source_files()
    assert {"mocktmc/api/legacy/__init__.py", "contracts/processing.yaml", "fixtures/default.yaml",
            "mocktmc/py.typed"} <= set(shipped_files(files))
    assert missing_from_wheel(wheel, files) == []


def test_the_sdist_holds_every_file_the_wheel_is_built_from(dist):
    sdist, _ = dist
    with tarfile.open(sdist) as archive:
        top = archive.getnames()[0].split("/")[0]
        names = {name.removeprefix(f"{top}/") for name in archive.getnames()}
    needed = set(shipped_files(source_files())) | {"pyproject.toml", "setup.py", "MANIFEST.in", "LICENSE",
                                                   "README.md", "OPERATIONS.md", "constraints.txt"}
    assert sorted(needed - names) == []


def test_a_hand_written_package_list_that_forgets_a_module_is_caught(tmp_path):
    """The packaging this project had before discovery: a hand-written list, which left mocktmc.api.legacy out
    of the wheel, and no MANIFEST.in grafting every file of the package folders."""
    files = source_files()
    source = copy_of_checkout(files, tmp_path / "source")
    (source / "MANIFEST.in").unlink()
    (source / "setup.py").write_text(
        "from setuptools import setup\n"
        "setup(packages=['mocktmc', 'mocktmc.api', 'mocktmc.api.orchestration', 'mocktmc.api.processing',\n"
        "                'mocktmc.api.monitoring', 'mocktmc.contracts', 'mocktmc.domain', 'mocktmc.fixtures',\n"
        "                'mocktmc.kit'],\n"
        "      package_dir={'mocktmc.contracts': 'contracts', 'mocktmc.fixtures': 'fixtures'})\n")
    _, wheel = build(source, tmp_path / "dist")
    missing = missing_from_wheel(wheel, files)
    assert "mocktmc/api/legacy/__init__.py" in missing and "mocktmc/api/legacy/routes.py" in missing


def test_the_wheel_metadata_is_that_of_a_real_package(dist):
    _, wheel = dist
    with zipfile.ZipFile(wheel) as archive:
        info = next(name.split("/")[0] for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
        metadata = archive.read(f"{info}/METADATA").decode()
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
        assert archive.read(f"{info}/licenses/LICENSE").startswith(b"\n                                 Apache License")
    headers = [line.partition(": ") for line in metadata.split("\n\n", 1)[0].splitlines()]
    values = {}
    for key, _, value in headers:
        values.setdefault(key, []).append(value)
    assert values["Version"] == [mocktmc.__version__]
    assert values["License-Expression"] == ["Apache-2.0"]
    assert {"Framework :: Pytest", "Framework :: Flask", "Typing :: Typed"} <= set(values["Classifier"])
    assert {url.split(",")[0] for url in values["Project-URL"]} >= {"Homepage", "Source", "Issues"}
    # The kit's engines come only with the extra: serving needs none of them.
    kit_lines = [line for line in values["Requires-Dist"] if _distribution(line) in KIT_ENGINES]
    assert {_distribution(line) for line in kit_lines} == set(KIT_ENGINES)
    assert all(line.endswith('extra == "kit"') for line in kit_lines), kit_lines
    assert "mocktmc = mocktmc.cli:main" in entry_points and "mocktmc = mocktmc.pytest_plugin" in entry_points


def _distribution(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def imported_distributions(files: list[Path]) -> dict[str, set[str]]:
    """Each third-party distribution that these modules import directly -> the modules importing it."""
    owners = importlib.metadata.packages_distributions()
    found: dict[str, set[str]] = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                tops = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                if top in sys.stdlib_module_names or top == "mocktmc":
                    continue
                assert top in owners, f"{path.relative_to(ROOT)} imports {top}, which no installed package provides"
                for distribution in owners[top]:
                    found.setdefault(_distribution(distribution), set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_package_the_code_imports_is_declared():
    """Serving imports only `dependencies`; the kit and the plugin may also import the `kit` extra's engines."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {_distribution(requirement) for requirement in project["dependencies"]}
    kit = {_distribution(requirement) for requirement in project["optional-dependencies"]["kit"]}
    assert kit == set(KIT_ENGINES)
    kit_modules = [*ROOT.glob("mocktmc/kit/*.py"), ROOT / "mocktmc/pytest_plugin.py", *ROOT.glob("contracts/*.py")]
    serving = [path for path in ROOT.glob("mocktmc/**/*.py") if path not in kit_modules]
    undeclared = {name: users for name, users in imported_distributions(serving).items() if name not in core}
    assert undeclared == {}
    undeclared = {name: users for name, users in imported_distributions(kit_modules).items()
                  if name not in core | kit}
    assert undeclared == {}


# --- installed without the kit: serve, the core loop, routes ------------------------------------------
def test_installed_mocktmc_sees_nothing_of_the_checkout(serve_only, outside):
    probe = ("import json, sys, mocktmc, mocktmc.api.legacy\n"
             "from importlib.util import find_spec\n"
             "print(json.dumps({'file': mocktmc.__file__, 'path': sys.path,\n"
             f"                  'engines': [n for n in {KIT_ENGINES!r} if find_spec(n)]}}))\n")
    result = run(serve_only, "python", "-c", probe, cwd=outside)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    venv = serve_only.parent.resolve()
    assert Path(seen["file"]).resolve().is_relative_to(venv)
    assert not [entry for entry in seen["path"] if entry and Path(entry).resolve().is_relative_to(ROOT)]
    assert seen["engines"] == []  # serving brings no test engines


def test_installed_version_is_the_package_version(serve_only, outside):
    result = run(serve_only, "mocktmc", "--version", cwd=outside)
    assert result.stdout.strip() == f"mocktmc, version {mocktmc.__version__}"


def test_installed_routes_print_operations_md(serve_only, outside):
    result = run(serve_only, "mocktmc", "routes", cwd=outside)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / "OPERATIONS.md").read_text(encoding="utf-8")


def test_installed_contract_without_the_kit_says_what_to_install(serve_only, outside):
    result = run(serve_only, "mocktmc", "contract", cwd=outside)
    assert result.returncode != 0
    assert "pip install 'mocktmc[kit]'" in result.stderr
    assert all(engine in result.stderr for engine in KIT_ENGINES), result.stderr
    assert "Traceback" not in result.stderr


def test_installed_server_answers_health_and_the_core_loop(serve_only, outside):
    log = outside / "serve.log"
    with served([str(serve_only / "mocktmc"), "serve", "--port", "0", "--log-level", "info"], log, cwd=outside,
                env=clean_env()) as (_, base):
        port = base.rsplit(":", 1)[1]
        checked = run(serve_only, "mocktmc", "health", cwd=outside, MOCKTMC_PORT=port)  # the image's HEALTHCHECK
        assert checked.returncode == 0 and "is UP" in checked.stdout, checked.stdout + checked.stderr
        assert requests.get(f"{base}/_mocktmc/health", timeout=10).json()["version"] == mocktmc.__version__
        # The pages a browser opens, their templates and Swagger UI's files as the installed packages hold them.
        landing = requests.get(f"{base}/", headers={"Accept": "text/html"}, timeout=10)
        assert landing.status_code == 200 and landing.headers["Content-Type"].startswith("text/html")
        assert f"mocktmc {mocktmc.__version__}" in landing.text and 'href="/_mocktmc/docs"' in landing.text
        docs = requests.get(f"{base}/_mocktmc/docs", timeout=10)
        assert docs.status_code == 200 and "/_mocktmc/docs/assets/swagger-ui-bundle.js" in docs.text
        bundle = requests.get(f"{base}/_mocktmc/docs/assets/swagger-ui-bundle.js", timeout=10)
        assert bundle.status_code == 200 and bundle.headers["Content-Type"].startswith("text/javascript")
        assert "SwaggerUIBundle" in bundle.text
        assert requests.get(f"{base}/_mocktmc/docs/orchestration.json", timeout=10).json()["servers"][0]["url"] == base

        session = requests.Session()
        session.headers["Authorization"] = "Bearer artifact-test"
        started = session.post(f"{base}/processing/executions", json={"executable": LOAD_CUSTOMERS}, timeout=10)
        assert started.status_code == 201, started.text
        execution = started.json()["executionId"]
        for _ in range(20):  # poll to the end, moving the mock clock instead of waiting
            run_status = session.get(f"{base}/processing/executions/{execution}", timeout=10).json()
            if run_status["status"] not in ("dispatching", "executing"):
                break
            requests.post(f"{base}/_mocktmc/clock/advance", json={"seconds": 5}, timeout=10).raise_for_status()
        assert run_status["executionStatus"] == "EXECUTION_SUCCESS" and run_status["numberOfProcessedRows"] == 1250
        logs = session.get(f"{base}/monitoring/executions/{execution}/logs", params={"order": "ASC"}, timeout=10)
        assert logs.status_code == 200 and logs.json()["data"], logs.text
        assert "Load customers" in logs.json()["data"][0]["logMessage"]
        # The dashboard's page and assets are package data: the installed wheel serves them, and the run above.
        page = requests.get(f"{base}/_mocktmc/ui", timeout=10)
        assert page.status_code == 200 and "dashboard.js" in page.text, page.text[:500]
        for asset in ("dashboard.js", "dashboard.css"):
            served_asset = requests.get(f"{base}/_mocktmc/ui/static/{asset}", timeout=10)
            assert served_asset.status_code == 200 and len(served_asset.content) > 1000, asset
        listed = requests.get(f"{base}/_mocktmc/runs", params={"kind": "task"}, timeout=10).json()
        assert execution in {row["id"] for row in listed["items"]}
    access = log.read_text()
    assert "POST /processing/executions 201" in access and "account=" in access  # --log-level info shows traffic


# --- installed with the kit: the pytest plugin and the contract kit -----------------------------------
PLUGIN_TESTS = '''
TASK = "65f1a0c2e4b0a1b2c3d42001"


def test_in_process(mocktmc):
    session = mocktmc.client()
    execution = session.post("/processing/executions", json={"executable": TASK}).json()["executionId"]
    mocktmc.clock.advance(minutes=1)
    assert session.get(f"/processing/executions/{execution}").json()["executionStatus"] == "EXECUTION_SUCCESS"


def test_live_server(mocktmc_client, mocktmc_control):
    mocktmc_control.behaviors.set(TASK, outcome="EXECUTION_FAILED", error_message="Disk full")
    execution = mocktmc_client.post("/processing/executions", json={"executable": TASK}).json()["executionId"]
    mocktmc_control.clock.advance(minutes=1)
    run = mocktmc_client.get(f"/processing/executions/{execution}").json()
    assert run["executionStatus"] == "EXECUTION_FAILED" and "Disk full" in run["errorMessage"]
'''


def test_installed_plugin_fixtures_work(with_kit, outside):
    project = outside / "plugin-project"
    project.mkdir()
    (project / "test_client.py").write_text(PLUGIN_TESTS)
    result = run(with_kit, "python", "-m", "pytest", "-p", "no:cacheprovider", "-v", cwd=project)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "2 passed" in result.stdout and f"mocktmc-{mocktmc.__version__}" in result.stdout  # the plugin, installed


def test_installed_kit_runs(with_kit, outside):
    # schemathesis over two small families, and a state machine (the run lifecycle, which checks monitoring's logs).
    result = run(with_kit, "mocktmc", "contract", "--family", "security,monitoring", "--suite",
                 "schemathesis,lifecycle", "--max-examples", "2", "--steps", "5", cwd=outside, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    outcome = result.stdout.strip().splitlines()[-1]  # the closing line, on tests: "3 tests: 3 passed; ...; 9.6 s"
    assert re.search(r"\b[1-9]\d* passed\b", outcome) and not re.search(r"failed|error", outcome), outcome


# --- the Docker image's build stage -------------------------------------------------------------------
def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's instructions, as (INSTRUCTION, arguments), one list per stage."""
    stages: list[list[tuple[str, str]]] = []
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())  # continued lines joined
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, arguments = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        if stages:  # the ARGs before the first FROM only name the base image
            stages[-1].append((instruction.upper(), " ".join(arguments.split())))
    return stages


def test_the_image_builds_the_same_wheel_from_its_context(dist, tmp_path):
    """The build stage's COPY steps, fed what .dockerignore leaves of the checkout, build this wheel."""
    from docker.utils.build import exclude_paths

    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    context = {name for name in exclude_paths(str(ROOT), patterns) if (ROOT / name).is_file()}
    build_stage = dockerfile_stages()[0]
    workdir = Path("/")
    source = tmp_path / "image"
    for instruction, arguments in build_stage:
        if instruction == "WORKDIR":
            workdir = workdir / arguments
        elif instruction == "COPY":
            *sources, destination = shlex.split(arguments)
            assert not any(item.startswith("--") for item in sources), "the build stage copies from the context"
            target = source / (workdir / destination).relative_to("/")
            for item in sources:
                taken = [name for name in context if name == item or name.startswith(f"{item}/")]
                assert taken, f"COPY {item}: .dockerignore leaves nothing of it in the build context"
                for name in taken:  # a folder's contents go into the destination; a file into it, or as it
                    if name != item:
                        copied = target / Path(name).relative_to(item)
                    else:
                        copied = target / Path(name).name if destination.endswith("/") else target
                    copied.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(ROOT / name, copied)
        elif instruction == "RUN" and " -m build " in arguments:
            assert arguments.startswith("python -m build --no-isolation --outdir "), arguments  # as `make dist`
            built_at = source / workdir.relative_to("/")
    _, wheel = build(built_at, tmp_path / "dist")
    assert sorted(zipfile.ZipFile(wheel).namelist()) == sorted(zipfile.ZipFile(dist[1]).namelist())


def test_the_image_serves_as_a_non_root_user_with_a_health_check_that_follows_the_port():
    runtime = dict(dockerfile_stages()[-1])
    stages = dockerfile_stages()
    assert len(stages) == 2 and any(i == "COPY" and a.startswith("--from=build ") for i, a in stages[-1])
    assert runtime["USER"].split(":")[0] not in ("0", "root")
    assert json.loads(runtime["HEALTHCHECK"].split(" CMD ", 1)[1]) == ["mocktmc", "health"]  # reads MOCKTMC_PORT
    assert json.loads(runtime["ENTRYPOINT"]) == ["mocktmc", "serve"]
    assert runtime["ARG"] == f"VERSION={mocktmc.__version__}"
    labels = shlex.split(runtime["LABEL"])
    assert {label.split("=")[0] for label in labels} >= {
        "org.opencontainers.image.title", "org.opencontainers.image.version", "org.opencontainers.image.licenses",
        "org.opencontainers.image.source"}
    installs = [a for i, a in stages[-1] if i == "RUN" and "pip install" in a]
    assert "['project']['dependencies']" in installs[0] and "-c constraints.txt" in installs[0]
    assert "pip install --no-deps /tmp/wheel/*.whl" in installs[1]  # the wheel after the dependency layer
    # A state dir (--state-dir, for a volume) that the serving user may write.
    user = runtime["USER"].split(":")[0]
    assert f"mkdir -p /var/lib/mocktmc && chown {user}:{user} /var/lib/mocktmc" in installs[1]
