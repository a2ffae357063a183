# One image for every process of docker-compose.yml (web, worker, beat); the command picks the process.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PATH=/app/.venv/bin:$PATH

WORKDIR /app
RUN pip install --no-cache-dir uv
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
# Settings need a key to load; this one only serves collectstatic and is not in the final environment.
RUN mkdir -p .run \
    && SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input -v 0 \
    && useradd --system --home-dir /app dtx \
    && chown -R dtx /app/.run
USER dtx
EXPOSE 8000
CMD ["python", "-m", "asgi.serve"]
