"""The central store: an HTTP service (FastAPI on uvicorn) over SQLAlchemy, on an embedded SQLite
file by default and on PostgreSQL in production. It keeps no state outside its database."""
