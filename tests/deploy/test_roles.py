"""The task roles of deploy/production.yaml allow each process type exactly the AWS calls its
code makes, and no statement allows every action on every resource.

CALLS names, per process type (Procfile), the boto3 operations its code makes; a scan of the
app's code checks that every call it finds is in the table and every call of the table is
found (or made by a library on the code's behalf), so a new call cannot slip past its role.
"""

from __future__ import annotations

import re
from pathlib import Path

import boto3
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "production.yaml"
APPS = ("accounts", "banners", "categories", "products", "orders", "cart", "ecommerce")
# Never run in a deployed process: the emulator and the bootstrap's own deployment.
NOT_DEPLOYED = {"emulator.py", "emulator_server.py", "emulator_cloudformation.py"}

# Calls libraries make for our code, which a scan of our code does not see.
CELERY_CONSUMES = {  # kombu's SQS transport, receiving (the worker)
    ("sqs", "receive_message"),
    ("sqs", "delete_message"),
    ("sqs", "change_message_visibility"),
    ("sqs", "get_queue_attributes"),
    ("sqs", "get_queue_url"),
}
CELERY_SENDS = {  # kombu's SQS transport, sending (events hands due work over, beat, retries)
    ("sqs", "send_message"),
    ("sqs", "get_queue_attributes"),
    ("sqs", "get_queue_url"),
}
STORAGE = {  # django-storages behind ecommerce/storage.py: exists, read, delete
    ("s3", "head_object"),
    ("s3", "get_object"),
    ("s3", "delete_object"),
}
LIBRARY_CALLS = CELERY_CONSUMES | CELERY_SENDS | STORAGE

# Cognito's public operations (sign-up, sign-in, ...) are not authorised by IAM; the scan
# finds them, no role needs them.
COGNITO_PUBLIC = {
    ("cognito-idp", op)
    for op in (
        "sign_up",
        "confirm_sign_up",
        "initiate_auth",
        "global_sign_out",
        "resend_confirmation_code",
        "forgot_password",
        "confirm_forgot_password",
    )
}

LANDING = {  # ecommerce.uploads.image_landed: check the object, fix its type, write its
    # renditions, or delete it
    ("s3", "head_object"),
    ("s3", "get_object"),
    ("s3", "copy_object"),
    ("s3", "put_object"),
    ("s3", "delete_object"),
}

CALLS: dict[str, set[tuple[str, str]]] = {
    "web": {
        ("s3", "put_object"),  # presigned upload URLs are signed with the task's role
        ("s3", "delete_object"),  # deleting a banner, a category, a product
        ("sqs", "get_queue_url"),  # /readyz
        ("ssm", "get_parameter"),  # the Cognito ids
        ("cognito-idp", "admin_delete_user"),  # a sign-up the database refused
    },
    "worker": CELERY_CONSUMES
    | CELERY_SENDS
    | LANDING
    | {
        ("stepfunctions", "start_execution"),
        ("stepfunctions", "describe_execution"),
        ("ses", "send_email"),
        ("sns", "publish"),  # cleanup notices
    },
    "events": LANDING
    | CELERY_SENDS
    | {
        ("sqs", "get_queue_url"),
        ("sqs", "receive_message"),
        ("sqs", "delete_message"),
        ("sqs", "change_message_visibility"),
    },
    "beat": CELERY_SENDS,
    "admin": {  # the one-off task: migrate (no AWS), bootstrap_aws, image_renditions
        ("cloudformation", "create_stack"),
        ("cloudformation", "update_stack"),
        ("cloudformation", "describe_stacks"),
        ("cloudformation", "get_template"),
        # manage.py image_renditions: ecommerce.uploads.renditions_write
        ("s3", "head_object"),
        ("s3", "get_object"),
        ("s3", "copy_object"),
        ("s3", "put_object"),
    },
}
ROLES = {
    "web": "WebTaskRole",
    "worker": "WorkerTaskRole",
    "events": "EventsTaskRole",
    "beat": "BeatTaskRole",
    "admin": "AdminTaskRole",
}
# IAM actions that are not the operation's own name.
S3_ACTIONS = {
    # A missing key is 404 only with s3:ListBucket (403 without): storage.exists relies on it.
    "head_object": {"s3:GetObject", "s3:ListBucket"},
    "copy_object": {"s3:GetObject", "s3:PutObject"},
}
EXTRA_ACTIONS = {"admin": {"iam:PassRole"}}  # bootstrap hands CloudFormation its role


def iam_actions(service: str, operation: str) -> set[str]:
    if service == "s3" and operation in S3_ACTIONS:
        return S3_ACTIONS[operation]
    model = boto3.session.Session().client(service, region_name="us-east-1").meta.service_model
    name = next(n for n in model.operation_names if _snake(n) == operation)
    return {f"{model.signing_name}:{name}"}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def scanned_calls() -> set[tuple[str, str]]:
    """(service, operation) of every call the app's code makes through ecommerce.aws."""
    found: set[tuple[str, str]] = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if (
                "migrations" in path.parts
                or "management" in path.parts
                or path.name in NOT_DEPLOYED
            ):
                continue
            if path.name == "bootstrap.py":
                continue  # the admin task's (its calls are checked below)
            code = path.read_text()
            found |= set(re.findall(r'\bcall\(\s*"([a-z0-9-]+)",\s*"([a-z_]+)"', code))
            found |= {("cognito-idp", op) for op in re.findall(r'_cognito\(\s*"([a-z_]+)"', code)}
            for variable, service in re.findall(
                r'(\w+) = (?:aws\.)?client\("([a-z0-9-]+)"\)', code
            ):
                found |= {(service, op) for op in re.findall(rf"\b{variable}\.([a-z_]+)\(", code)}
            found |= set(re.findall(r'\bclient\("([a-z0-9-]+)"\)\.([a-z_]+)\(', code))
    # Presigning is local (no call), but the URL is signed for put_object.
    found.discard(("s3", "generate_presigned_url"))
    found.add(("s3", "put_object"))
    return found


def test_every_call_in_the_code_is_in_the_table_and_every_entry_is_made():
    found = scanned_calls() - COGNITO_PUBLIC
    tabled = set().union(*(CALLS[p] for p in ("web", "worker", "events", "beat")))
    assert found - tabled == set(), "calls no process type's role allows"
    assert tabled - found - LIBRARY_CALLS == set(), "calls the code no longer makes"


def test_bootstraps_calls_are_the_admin_tasks():
    code = (ROOT / "ecommerce" / "bootstrap.py").read_text()
    found = {("cloudformation", op) for op in re.findall(r"\bcfn\.([a-z_]+)\(", code)}
    found.discard(("cloudformation", "get_waiter"))  # waiters call describe_stacks
    assert found == {call for call in CALLS["admin"] if call[0] == "cloudformation"}


def statements(role: str) -> list[dict]:
    template = yaml.safe_load(TEMPLATE.read_text())
    properties = template["Resources"][role]["Properties"]
    assert "ManagedPolicyArns" not in properties
    return [
        statement
        for policy in properties["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
    ]


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("process", sorted(ROLES))
def test_each_role_allows_exactly_its_process_calls(process):
    allowed = {
        action
        for statement in statements(ROLES[process])
        if statement["Effect"] == "Allow"
        for action in _listed(statement["Action"])
    }
    wanted = set().union(*(iam_actions(*call) for call in CALLS[process]))
    assert allowed == wanted | EXTRA_ACTIONS.get(process, set())


def test_web_cannot_start_executions_and_only_the_worker_sends_email():
    def allows(process: str, action: str) -> bool:
        return any(action in _listed(s["Action"]) for s in statements(ROLES[process]))

    assert not allows("web", "states:StartExecution")
    assert [p for p in ROLES if allows(p, "ses:SendEmail")] == ["worker"]


def test_no_statement_allows_every_action_on_every_resource():
    template = yaml.safe_load(TEMPLATE.read_text())
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = _listed(statement["Action"])
                assert "*" not in actions, logical_id
                if "*" in _listed(statement.get("Resource")):
                    assert all(not a.endswith(":*") for a in actions), logical_id
