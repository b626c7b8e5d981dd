# Production image: the same code as `make run`, on PostgreSQL + Redis (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 HN_VAR_DIR=/var/lib/hn
WORKDIR /app

# WeasyPrint's libraries (the dossier's PDF exports) and a font, as in `make system-deps`.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml requirements.lock ./
COPY hn ./hn
COPY dossiers ./dossiers
COPY enveloppes ./enveloppes
COPY indicateurs ./indicateurs
COPY audits ./audits
RUN pip install -c requirements.lock .

COPY . .
RUN DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && useradd --system --home /app hn && mkdir -p /var/lib/hn/media && chown -R hn /var/lib/hn
USER hn

EXPOSE 8000
CMD ["gunicorn", "hn.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
