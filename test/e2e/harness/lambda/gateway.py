"""API Gateway REST proxy emulation for the end-to-end suite's Lambda path.

SAM's local API Gateway service (samcli.local.apigw) does the gateway's part: Flask routing of
the template's resource paths, the REST (payload 1.0) proxy event, and the parsing of the
function's proxy result into the HTTP answer. What SAM would do with Docker (start the function
in a container) is replaced by a runner that posts the event to a Lambda Runtime Interface
Emulator already running the function (the harness starts it). Run with the aws-sam-cli venv's
Python:

    python gateway.py config.json

config.json (written by lambda-path.ts from the synthesized template):
    {"host", "port", "certFile", "keyFile", "stage", "binaryMediaTypes": [...],
     "routes": [{"method", "path", "function", "integrationTimeoutMs"}],
     "functions": {"<logical id>": {"invokeUrl", "timeoutSeconds"}}}

Where the emulation differs from SAM's defaults, toward what API Gateway sends:
- The stage is the URL's first segment (/prod/mutate); the event's path is the resource path.
- requestContext.path carries the stage (/prod/mutate), as on the execute-api hostname; SAM
  leaves the stage out.
- An event over Lambda's synchronous payload limit (6 MB) is not delivered: the gateway answers
  502 {"message": "Internal server error"}, as when Lambda refuses the invocation.
- The integration timeout from the template: past it the gateway answers 504
  {"message": "Endpoint request timed out"}.
- An invocation that fails in the emulator itself (runtime crashed, environment gone) gets
  API Gateway's 502 {"message": "Internal server error"}.
- One invocation at a time per function environment, as the emulator serves them (Lambda would
  start another environment; the harness runs one).
Not emulated (tested from the template instead): request validation, resource policy,
throttling, WAF.
"""

import json
import logging
import sys
import threading
import urllib.error
import urllib.request

from flask import Response
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from samcli.lib.providers.provider import Api
from samcli.local.apigw.local_apigw_service import LocalApigwService
from samcli.local.apigw.route import Route

# Lambda's limit on a synchronous invocation's request payload (the event as JSON).
LAMBDA_SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024

log = logging.getLogger("gateway")


class IntegrationTimeout(Exception):
    pass


class PayloadTooLarge(Exception):
    pass


class InvocationFailed(Exception):
    pass


class RieRunner:
    """Stands in for SAM's LocalLambdaRunner: invokes a function running under the emulator."""

    def __init__(self, functions, timeouts_ms):
        self.functions = functions
        self.timeouts_ms = timeouts_ms
        self.locks = {name: threading.Lock() for name in functions}

    def is_debugging(self):
        return False

    def invoke(self, function_name, event, stdout=None, stderr=None, tenant_id=None, **_):
        function = self.functions[function_name]
        data = event.encode("utf-8") if isinstance(event, str) else event
        if len(data) > LAMBDA_SYNC_PAYLOAD_LIMIT:
            log.warning("event of %d bytes is over Lambda's %d-byte payload limit", len(data), LAMBDA_SYNC_PAYLOAD_LIMIT)
            raise PayloadTooLarge()
        timeout_s = self.timeouts_ms[function_name] / 1000.0
        request = urllib.request.Request(function["invokeUrl"], data=data, method="POST")
        with self.locks[function_name]:
            try:
                with urllib.request.urlopen(request, timeout=timeout_s) as answer:
                    body = answer.read()
            except TimeoutError as error:
                raise IntegrationTimeout() from error
            except urllib.error.HTTPError as error:
                # The emulator's own failure (the runtime could not start, or died): Lambda's
                # Invoke fails, and API Gateway answers its generic 502.
                log.warning("invocation failed: HTTP %d %s", error.code, error.read()[:500])
                raise InvocationFailed() from error
            except urllib.error.URLError as error:
                if isinstance(error.reason, TimeoutError):
                    raise IntegrationTimeout() from error
                log.warning("invocation failed: %s", error.reason)
                raise InvocationFailed() from error
        stdout.write_str(body.decode("utf-8"))


class RestProxyGateway(LocalApigwService):
    """SAM's service with the event and failure details of a deployed REST API (see the module doc)."""

    def _generate_lambda_event(self, flask_request, route, method, endpoint):
        event = super()._generate_lambda_event(flask_request, route, method, endpoint)
        event["requestContext"]["path"] = f"/{self.api.stage_name}{event['path']}"
        return event

    def _request_handler(self, **kwargs):
        try:
            return super()._request_handler(**kwargs)
        except (PayloadTooLarge, InvocationFailed):
            return Response(json.dumps({"message": "Internal server error"}), status=502, mimetype="application/json")
        except IntegrationTimeout:
            return Response(json.dumps({"message": "Endpoint request timed out"}), status=504, mimetype="application/json")


def outside_stage(environ, start_response):
    """What API Gateway answers for a path outside every stage and resource."""
    start_response("403 Forbidden", [("Content-Type", "application/json")])
    return [json.dumps({"message": "Missing Authentication Token"}).encode()]


def main(config_file):
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    with open(config_file, encoding="utf-8") as f:
        config = json.load(f)
    routes = [
        Route(function_name=r["function"], path=r["path"], methods=[r["method"]], event_type=Route.API)
        for r in config["routes"]
    ]
    timeouts = {}
    for r in config["routes"]:
        timeouts[r["function"]] = min(r["integrationTimeoutMs"], timeouts.get(r["function"], r["integrationTimeoutMs"]))
    api = Api(routes=routes)
    api.stage_name = config["stage"]
    api.binary_media_types_set = set(config["binaryMediaTypes"])
    runner = RieRunner(config["functions"], timeouts)
    service = RestProxyGateway(
        api=api,
        lambda_runner=runner,
        port=config["port"],
        host=config["host"],
        ssl_context=(config["certFile"], config["keyFile"]),
    )
    service.create()
    # The stage is the first path segment of the URL (https://host/prod/mutate), not part of the
    # resource path: mounted there, the event's `path` is the resource path, as API Gateway sends it.
    service._app.wsgi_app = DispatcherMiddleware(outside_stage, {f"/{api.stage_name}": service._app.wsgi_app})
    log.info("REST API stage %s on https://%s:%d: %s", api.stage_name, config["host"], config["port"],
             ", ".join(f"{r['method']} {r['path']} -> {r['function']}" for r in config["routes"]))
    service.run()


if __name__ == "__main__":
    main(sys.argv[1])
