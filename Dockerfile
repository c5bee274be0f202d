# The image docker-compose.yml runs as web, worker, beat and migrate.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Static files are collected at build time; whitenoise serves them. Settings need a key to
# load, so a throwaway one is given for this step only.
RUN mkdir -p var && DEBUG=0 SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
RUN useradd --create-home handoff && chown -R handoff /app/var
USER handoff
EXPOSE 8000
