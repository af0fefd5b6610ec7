"""deploy/app-resources.yaml on the emulator's CloudFormation: the app's flows run against a
stack of their own (an upload lands and is listed; an order reaches shipping), and deleting
the stack leaves nothing behind.

moto 5.2.5's CloudFormation lacks some of the template's resource types and properties;
the emulator adds them (ecommerce/emulator_cloudformation.py), and these tests name them.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import moto.cloudformation.parsing  # noqa: F401 - imports every model moto's CloudFormation has
import pytest
import requests
from moto.core.common_models import CloudFormationModel

from accounts import tokens
from banners.models import Banner
from ecommerce import aws, emulator_cloudformation
from ecommerce.bootstrap import bootstrap, stack_name, template
from ecommerce.uploads import upload_models
from orders.models import Order
from tests.conftest import events_process, sent_emails, wait_for, worker_process
from tests.products.factories import product_make
from tests.support.uploads import png_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# What moto's CloudFormation does not do for this template, and the emulator adds.
EMULATOR_ADDED_TYPES = {
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
    "AWS::SES::EmailIdentity",
    "AWS::S3::BucketPolicy",
    "AWS::SQS::QueuePolicy",
}
EMULATOR_ADDED_BUCKET_PROPERTIES = {
    "PublicAccessBlockConfiguration",
    "CorsConfiguration",
    "NotificationConfiguration",
}


def test_the_emulator_adds_the_resource_types_moto_lacks_and_no_other():
    """A moto upgrade that supports one of these types makes this fail: drop the emulator's
    own then."""
    used = {resource["Type"] for resource in template()["Resources"].values()}
    assert set(emulator_cloudformation.ADDED_TYPES) == EMULATOR_ADDED_TYPES
    assert used >= EMULATOR_ADDED_TYPES
    assert set(emulator_cloudformation.ADDED_BUCKET_PROPERTIES) == EMULATOR_ADDED_BUCKET_PROPERTIES
    for properties in (r["Properties"] for r in template()["Resources"].values()):
        if "BucketName" in properties:
            assert set(properties) >= EMULATOR_ADDED_BUCKET_PROPERTIES
    for resource_type in EMULATOR_ADDED_TYPES:
        motos = [
            model
            for model in CloudFormationModel.__subclasses__()
            if model.cloudformation_type() == resource_type
            and model.__module__ != emulator_cloudformation.__name__
        ]
        assert motos == [], resource_type


def test_the_template_names_resources_as_the_app_does():
    """The app builds queue URLs and ARNs from ecommerce/names.py without asking AWS: the
    template must name every resource the same way."""
    prefix = "p"
    names = aws.names(prefix)
    resources = template()["Resources"]

    def name(logical_id: str, key: str) -> str:
        return resources[logical_id]["Properties"][key]["Fn::Sub"].replace("${Prefix}", prefix)

    assert name("EventsQueue", "QueueName") == names.events_queue
    assert name("EventsDeadLetterQueue", "QueueName") == names.dead_letter(names.events_queue)
    assert name("CeleryQueue", "QueueName") == names.celery_queue
    assert name("CeleryDeadLetterQueue", "QueueName") == names.dead_letter(names.celery_queue)
    assert {name(f"{purpose.capitalize()}Bucket", "BucketName") for purpose in upload_models()} == {
        names.bucket(purpose) for purpose in upload_models()
    }
    assert name("NotificationsTopic", "TopicName") == names.topic
    assert name("UserPool", "UserPoolName") == names.user_pool
    assert name("AppClient", "ClientName") == names.app_client
    assert name("OrderWorkflow", "StateMachineName") == names.state_machine
    assert name("UserPoolIdParameter", "Name") == names.parameter("cognito/user-pool-id")
    assert name("AppClientIdParameter", "Name") == names.parameter("cognito/client-id")


def leftovers(prefix: str, sender: str) -> dict[str, list]:
    """Whatever of a stack's resources still exists, by kind."""
    names = aws.names(prefix)
    sqs, s3, idp = aws.client("sqs"), aws.client("s3"), aws.client("cognito-idp")
    topics = [
        t["TopicArn"]
        for page in aws.client("sns").get_paginator("list_topics").paginate()
        for t in page["Topics"]
    ]
    return {
        "queues": sqs.list_queues(QueueNamePrefix=prefix).get("QueueUrls", []),
        "buckets": [
            b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(prefix)
        ],
        "topics": [t for t in topics if t.endswith(f":{names.topic}")],
        "pools": [
            p["Id"]
            for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60)
            for p in page["UserPools"]
            if p["Name"] == names.user_pool
        ],
        "parameters": aws.client("ssm").get_parameters_by_path(Path=f"/{prefix}", Recursive=True)[
            "Parameters"
        ],
        "identities": [i for i in aws.client("ses").list_identities()["Identities"] if i == sender],
        "machines": [
            m
            for m in aws.client("stepfunctions").list_state_machines()["stateMachines"]
            if m["name"] == names.state_machine
        ],
        "roles": [
            r["RoleName"]
            for r in aws.client("iam").list_roles()["Roles"]
            if r["RoleName"].startswith(prefix)
        ],
    }


@pytest.fixture
def app_stack(settings):
    """The app's resources as their own stack, with a worker and an events process of their
    own; deleted afterwards (and checked gone)."""
    prefix = f"dep-{uuid.uuid4().hex[:8]}"
    # An SES identity is the account's: this stack verifies its own sender, so deleting it
    # leaves the session's sender alone.
    sender = f"no-reply@{prefix}.example.com"
    settings.AWS_RESOURCE_PREFIX, settings.SES_SENDER = prefix, sender
    created = bootstrap(prefix)
    processes = [worker_process(), events_process()]
    for process in processes:
        process.env.update(AWS_RESOURCE_PREFIX=prefix, SES_SENDER=sender)
        process.name = f"{process.name}-{prefix}"
        process.start()
    try:
        yield created
    finally:
        for process in processes:
            process.stop()
        tokens.keys.clear()
        s3 = aws.client("s3")
        for purpose in upload_models():
            bucket = created[f"bucket:{purpose}"]
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for obj in page.get("Contents", []):
                    s3.delete_object(Bucket=bucket, Key=obj["Key"])
        cfn = aws.client("cloudformation")
        cfn.delete_stack(StackName=stack_name(prefix))
        cfn.get_waiter("stack_delete_complete").wait(StackName=stack_name(prefix))
        assert not any(leftovers(prefix, sender).values()), leftovers(prefix, sender)


@pytest.mark.own_processes
def test_the_flows_run_on_a_deployed_stack_and_its_deletion_leaves_nothing(
    app_stack, make_user, api, emulator_url
):
    prefix = aws.names().prefix
    assert app_stack["bucket:banners"] == f"{prefix}-banners"
    assert aws.cognito_ids() == (app_stack["user_pool"], app_stack["app_client"])

    # An upload lands and is listed (the stack's bucket, notification and events queue).
    staff = make_user(staff=True)
    answer = staff.client.post(
        "/banners/upload-url", {"fileName": "hero.png", "fileType": "image/png"}, format="json"
    )
    assert answer.status_code == 201, answer.json()
    created = answer.json()
    image = png_bytes()
    put = requests.put(created["uploadURL"], data=image, timeout=10)
    assert put.status_code == 200
    assert f"/{prefix}-banners/" in created["uploadURL"]

    def listed() -> dict | None:
        banners = api.get("/banners").json()["banners"]
        return next((b for b in banners if b["id"] == created["bannerId"]), None)

    shown = wait_for(listed, timeout=30, message="the banner listed")
    assert requests.get(shown["imageUrl"], timeout=10).content == image
    assert Banner.objects.get(pk=created["bannerId"]).image_key in shown["imageUrl"]

    # An order reaches shipping (the stack's queues, state machine and sender).
    buyer = make_user()
    product = product_make(quantity=5, price=Decimal("20.00"), product_name="Deployed lamp")
    answer = buyer.client.post(
        "/orders/create-order", {"id": str(product.id), "quantity": 2}, format="json"
    )
    assert answer.status_code == 201, answer.json()
    order_id = answer.json()["orderId"]
    wait_for(
        lambda: Order.objects.get(pk=order_id).status == "shipping",
        timeout=30,
        message="the order to ship",
    )
    subjects = wait_for(
        lambda: (
            len(mails := sent_emails(emulator_url, to=buyer.email)) == 2
            and {m["subject"] for m in mails}
        ),
        timeout=10,
        message="both emails",
    )
    assert subjects == {"Your Order Confirmation", "Deployed lamp now shipping"}
    assert {m["source"] for m in sent_emails(emulator_url, to=buyer.email)} == {
        f"no-reply@{prefix}.example.com"
    }


def test_the_workflows_report_has_a_handler_in_the_events_process(settings):
    """The state machine's one message (its definition is in the template) is one the events
    process handles (settings.EVENT_HANDLERS): otherwise every order would end in the
    dead-letter queue instead of shipping."""
    definition = template()["Resources"]["OrderWorkflow"]["Properties"]["DefinitionString"]
    body = json.loads(definition["Fn::Sub"].replace("${EventsQueue}", "queue-url"))
    message = body["States"]["ReportShipping"]["Parameters"]["MessageBody"]
    assert message["type"] in settings.EVENT_HANDLERS
