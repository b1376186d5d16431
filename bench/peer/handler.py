"""GET /users/{username} as the seeds had it: one Python function with boto3.

`make bench` measures it beside the Rust functions (through the same Lambda
Runtime API emulator, with awslambdaric as its runtime client, against the
same dynalite), so that `make cost` can price the same route both ways. It
does what get_user_by_id does for that route: read the record (strongly
consistent) and answer it, or 404.
"""

import json
import os

import boto3

# Created once per process, at import, as a Python function should.
TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    username = (event.get("pathParameters") or {}).get("username", "")
    item = TABLE.get_item(Key={"username": username}, ConsistentRead=True).get("Item")
    if item is None:
        return answer(404, {"message": f"no user named {username}"})
    return answer(200, {"username": item["username"], "dateOfBirth": item["dateOfBirth"]})


def answer(status, body):
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }
