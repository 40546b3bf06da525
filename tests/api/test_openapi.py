from bridgeops.api.operation import Operation


def test_openapi_document_describes_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if isinstance(getattr(view, "operation", None), Operation):
            path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method.lower()) in documented
    assert ("/api/v1/units", "get") in documented


def test_openapi_query_parameters_come_from_the_validating_schema(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    params = {p["name"]: p for p in doc["paths"]["/api/v1/units"]["get"]["parameters"]}
    assert params["parent"]["in"] == "query"
    assert "pattern" in str(params["parent"]["schema"])


def test_unknown_api_path_and_wrong_method_are_problems(client):
    missing = client.get("/api/v1/does-not-exist")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    wrong = client.delete("/api/v1/openapi.json")
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"
