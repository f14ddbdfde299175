# The API image used by docker-compose.yml.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY mapper mapper
COPY ingest ingest
COPY api api
COPY visualize visualize
COPY seed_data seed_data
RUN pip install --no-cache-dir .
EXPOSE 8000
CMD ["mapper", "serve", "--host", "0.0.0.0", "--port", "8000"]
