"""The API's routers: records (actors, collaborations, sectors, health) and analysis."""
