"""Every AWS resource the app needs (the emulator's or real AWS), as one CloudFormation stack.

deploy/app-resources.yaml is the one description of those resources; `bootstrap` deploys
it as the stack `<prefix>-app` through the CloudFormation API, with the parameters taken
from the settings (queue visibility, receive count, CORS origins, the SES sender). On the
emulator the resource types moto's CloudFormation lacks are added to it by
ecommerce.emulator_cloudformation, so the same template is deployed both ways.

Idempotent: an unchanged template with unchanged parameters is not deployed again, so a
second run changes nothing and fails nothing.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import yaml
from botocore.exceptions import ClientError
from django.conf import settings

from ecommerce import aws

logger = logging.getLogger(__name__)

TEMPLATE = Path(__file__).resolve().parent.parent / "deploy" / "app-resources.yaml"

# The stack's outputs, by the names bootstrap has always returned them under.
OUTPUTS = {
    "EventsQueueUrl": "events_queue",
    "CeleryQueueUrl": "celery_queue",
    "BannersBucketName": "bucket:banners",
    "CategoriesBucketName": "bucket:categories",
    "ProductsBucketName": "bucket:products",
    "TopicArn": "topic",
    "UserPoolId": "user_pool",
    "AppClientId": "app_client",
    "SesIdentity": "ses_identity",
    "StateMachineArn": "state_machine",
}


@functools.cache
def template() -> dict:
    """The template, read (its intrinsic functions are in their long, plain-YAML form)."""
    return yaml.safe_load(TEMPLATE.read_text())


# The user pool's password policy; the API checks passwords against it before Cognito does
# (accounts.serializers), so the schema can say what a valid password is.
PASSWORD_POLICY: dict = template()["Resources"]["UserPool"]["Properties"]["Policies"][
    "PasswordPolicy"
]


def stack_name(prefix: str | None = None) -> str:
    return f"{aws.names(prefix).prefix}-app"


def parameters(prefix: str | None = None) -> dict[str, str]:
    """The template's parameters, from the settings: change a setting, and the next
    bootstrap changes the resource, on the emulator as on AWS."""
    return {
        "Prefix": aws.names(prefix).prefix,
        "EventsVisibilityTimeout": str(settings.EVENTS_VISIBILITY_TIMEOUT),
        "CeleryVisibilityTimeout": str(settings.SQS_VISIBILITY_TIMEOUT),
        "MaxReceiveCount": str(settings.SQS_MAX_RECEIVE_COUNT),
        "AllowedOrigins": ",".join(settings.ALLOWED_ORIGINS),
        "SesSender": settings.SES_SENDER,
    }


def _stack(cfn, name: str) -> dict | None:
    try:
        return cfn.describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as exc:
        if "does not exist" not in str(exc):
            raise
        return None


def _wait(cfn, waiter: str, name: str) -> None:
    """Until the change is complete (the emulator's at the first look); a failed change
    (rolled back) raises botocore's WaiterError naming the stack's status."""
    cfn.get_waiter(waiter).wait(StackName=name, WaiterConfig={"Delay": 5, "MaxAttempts": 360})


def bootstrap(prefix: str | None = None) -> dict[str, str]:
    """Create or update the stack; returns what exists, by name."""
    cfn = aws.client("cloudformation")
    name = stack_name(prefix)
    body = TEMPLATE.read_text()
    wanted = parameters(prefix)
    arguments = {
        "StackName": name,
        "TemplateBody": body,
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in wanted.items()],
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
    }
    if settings.AWS_CLOUDFORMATION_ROLE_ARN:
        arguments["RoleARN"] = settings.AWS_CLOUDFORMATION_ROLE_ARN
    stack = _stack(cfn, name)
    if stack is None:
        cfn.create_stack(**arguments, OnFailure="DELETE")
        _wait(cfn, "stack_create_complete", name)
    else:
        current = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}
        if current != wanted or cfn.get_template(StackName=name)["TemplateBody"] != body:
            cfn.update_stack(**arguments)
            _wait(cfn, "stack_update_complete", name)
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    created = {OUTPUTS[o["OutputKey"]]: o["OutputValue"] for o in stack["Outputs"]}
    # A re-created pool has new ids: drop what this process had looked up.
    aws.ssm_parameter.cache_clear()
    logger.info("aws bootstrapped", extra={"stack": name, "resources": created})
    return created
