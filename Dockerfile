FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    MOCKTMC_HOST=0.0.0.0 MOCKTMC_PORT=8080

WORKDIR /app
COPY pyproject.toml README.md ./
COPY mocktmc ./mocktmc
COPY fixtures ./fixtures
COPY contracts ./contracts
RUN pip install . && useradd --create-home --uid 10001 mocktmc

USER mocktmc
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/_mocktmc/health', timeout=2)"]
ENTRYPOINT ["mocktmc", "serve"]
