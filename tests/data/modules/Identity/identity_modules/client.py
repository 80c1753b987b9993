import requests
from requests.auth import AuthBase
from requests_ratelimiter import LimiterAdapter
from urllib3.util.retry import Retry


class TokenAuth(AuthBase):
    def __init__(self, token: str) -> None:
        self.__token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"SSWS {self.__token}"
        return request


class ApiClient(requests.Session):
    """A session with a client-side rate limit and retries, as real connectors build them."""

    def __init__(self, token: str, ratelimit_per_minute: int = 20) -> None:
        super().__init__()
        self.auth = TokenAuth(token)
        self.mount("https://", LimiterAdapter(per_minute=ratelimit_per_minute, max_retries=Retry(total=3)))
