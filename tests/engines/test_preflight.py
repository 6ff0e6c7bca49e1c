"""What a server's answer to `GET /models` means for the start-up check."""

import httpx

from dotsparse.engines.preflight import read_model_list


def _answer(status: int, body: object = None, text: str = "") -> httpx.Response:
    return httpx.Response(status, json=body) if body is not None else httpx.Response(status, text=text)


def test_a_model_list_is_an_answer_naming_the_models():
    check = read_model_list("http://h/v1", _answer(200, {"object": "list", "data": [{"id": "model"}, {"id": "b"}]}))
    assert check.ok and check.models == ("model", "b")


def test_what_each_non_answer_says():
    assert "DOTSPARSE_API_KEY" in read_model_list("http://h/v1", _answer(401, text="no key")).problem
    assert "DOTSPARSE_API_KEY" in read_model_list("http://h/v1", _answer(403, text="bad key")).problem
    no_v1 = read_model_list("http://h:8000", _answer(404, text="not found")).problem
    assert "HTTP 404" in no_v1 and "http://h:8000/v1" in no_v1
    assert "/v1:" not in read_model_list("http://h/v1", _answer(404, text="")).problem  # already ends in /v1
    assert read_model_list("http://h/v1", _answer(503, text="loading")).problem == "HTTP 503"
    assert "not with an OpenAI model list" in read_model_list("http://h/v1", _answer(200, text="<html>")).problem
    assert "not with an OpenAI model list" in read_model_list("http://h/v1", _answer(200, {"models": []})).problem
