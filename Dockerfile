# Accord's services in one image; the command picks one: python -m services.<name>.
# Build: `make model` first if intake should suggest harm domains (the model file is
# built, not committed), then `docker build -t accord:0.1.0 .`.
#
# Two stages so the image carries the installed project and nothing that built it
# (pip's build backend, caches, the source tree).

# A pinned tag: a rebuild gets the same Python and Debian until someone bumps it.
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/accord
WORKDIR /src
# README.md is the package's long description (pyproject.toml), so the build needs it.
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
RUN /opt/accord/bin/pip install .

FROM ${PYTHON_IMAGE}
# A fixed numeric user, so the chart's runAsUser (10001) and runAsNonRoot agree with it.
RUN groupadd --system --gid 10001 accord \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin accord \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/accord
COPY --from=build /opt/accord /opt/accord
# The cluster defaults: listen on every interface, data (intake's outbox and API keys)
# in a directory the chart mounts as a volume; no .pyc writes on a read-only root.
ENV PATH=/opt/accord/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ACCORD_HOST=0.0.0.0 \
    ACCORD_DATA_DIR=/var/lib/accord
WORKDIR /opt/accord
USER 10001:10001
EXPOSE 8001 8002 8003
CMD ["python", "-m", "services.intake"]
