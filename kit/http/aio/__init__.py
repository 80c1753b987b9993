"""``AsyncHttpClient`` and ``GenericTokenRefresher``, as in ``sekoia_automation.http.aio``."""
