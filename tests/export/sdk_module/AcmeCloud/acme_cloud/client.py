from functools import cached_property

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


class ApiClient(requests.Session):
    """A session that authenticates every request and retries on 429 and 5xx."""

    def __init__(self, base_url: str, api_key: str):
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.headers["Authorization"] = f"Bearer {api_key}"
        retry = Retry(total=5, backoff_factor=1, status_forcelist=[429, 500, 502, 503, 504])
        self.mount("https://", HTTPAdapter(max_retries=retry))

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"


class ClientMixin:
    @cached_property
    def client(self) -> ApiClient:
        return ApiClient(self.module.configuration.base_url, self.module.configuration.api_key)
