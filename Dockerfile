# mocktmc's image: the mock TMC served on 0.0.0.0:8080 by a non-root user.
#   docker build -t mocktmc . && docker run --rm -p 8080:8080 mocktmc
# Beyond loopback the control plane (/_mocktmc) is closed: `mocktmc serve` makes up a control token and prints
# it on its second line (docker logs); -e MOCKTMC_CONTROL_TOKEN=... chooses it, -e MOCKTMC_OPEN_CONTROL_PLANE=1
# leaves it open to whoever reaches the port. The health check's /_mocktmc/health is open either way.
# Stage 1 builds the sdist and, from it, the wheel, as `make dist` does and tests/test_artifact.py proves;
# stage 2 installs that wheel over the serving dependencies, at the versions constraints.txt pins.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY constraints.txt ./
RUN pip install -c constraints.txt build setuptools
COPY pyproject.toml setup.py MANIFEST.in README.md LICENSE OPERATIONS.md ./
COPY mocktmc ./mocktmc
COPY contracts ./contracts
COPY fixtures ./fixtures
RUN python -m build --no-isolation --outdir /dist .

FROM ${PYTHON_IMAGE} AS runtime
# Keep in step with mocktmc.__version__ (tests/test_artifact.py checks it); --build-arg VERSION=... overrides it.
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="mocktmc" \
      org.opencontainers.image.description="A faithful, stateful, in-memory Talend Management Console (TMC) API mock" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/mocktmc/mocktmc"
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PATH=/opt/mocktmc/bin:$PATH \
    MOCKTMC_HOST=0.0.0.0 MOCKTMC_PORT=8080 MOCKTMC_LOG_LEVEL=info
# The serving dependencies in a layer of their own: pyproject.toml's list (no kit, no test engines) at the
# pinned versions, so that a change to mocktmc's source does not install them again.
COPY pyproject.toml constraints.txt /tmp/deps/
RUN python -m venv /opt/mocktmc && cd /tmp/deps \
 && python -c "import tomllib; print(*tomllib.load(open('pyproject.toml','rb'))['project']['dependencies'], sep='\n')" \
      > requirements.txt \
 && pip install -r requirements.txt -c constraints.txt \
 && cd / && rm -rf /tmp/deps
COPY --from=build /dist/*.whl /tmp/wheel/
RUN pip install --no-deps /tmp/wheel/*.whl && pip check && rm -rf /tmp/wheel \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin mocktmc \
 && mkdir -p /var/lib/mocktmc && chown 10001:10001 /var/lib/mocktmc
# /var/lib/mocktmc: a state dir the server's user may write, for a volume that keeps the state across restarts
# (-v mocktmc-state:/var/lib/mocktmc -e MOCKTMC_STATE_DIR=/var/lib/mocktmc; a new named volume takes the owner).

USER 10001:10001
EXPOSE 8080
# `mocktmc health` asks http://127.0.0.1:$MOCKTMC_PORT/_mocktmc/health, so -e MOCKTMC_PORT=... keeps it right.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["mocktmc", "health"]
ENTRYPOINT ["mocktmc", "serve"]
