"""Celery shell around the engine: ``worker/app.py`` holds the app, its queues and tasks."""
