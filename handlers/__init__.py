"""Platform handlers: translate a platform's payloads to the domain and render its results."""
