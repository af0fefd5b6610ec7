import json
import uuid

from ecommerce import aws
from ecommerce.bootstrap import bootstrap


def test_bootstrap_twice_creates_everything_once_and_changes_nothing():
    prefix = f"bt-{uuid.uuid4().hex[:8]}"
    first = bootstrap(prefix)
    second = bootstrap(prefix)

    assert first == second
    names = aws.names(prefix)
    sqs, s3 = aws.client("sqs"), aws.client("s3")
    queue_names = {
        url.rsplit("/", 1)[1] for url in sqs.list_queues(QueueNamePrefix=prefix)["QueueUrls"]
    }
    assert queue_names == {
        names.events_queue,
        f"{names.events_queue}-dlq",
        names.celery_queue,
        f"{names.celery_queue}-dlq",
    }
    attributes = sqs.get_queue_attributes(QueueUrl=first["events_queue"], AttributeNames=["All"])[
        "Attributes"
    ]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(f"{names.events_queue}-dlq")
    assert redrive["maxReceiveCount"] == 5
    assert attributes["VisibilityTimeout"] == "60"
    celery = sqs.get_queue_attributes(QueueUrl=first["celery_queue"], AttributeNames=["All"])
    assert int(celery["Attributes"]["VisibilityTimeout"]) > 30  # outlasts the task time limit

    buckets = {b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(prefix)}
    assert buckets == {f"{prefix}-banners", f"{prefix}-categories", f"{prefix}-products"}
    for bucket in buckets:
        notification = s3.get_bucket_notification_configuration(Bucket=bucket)
        assert [q["Events"] for q in notification["QueueConfigurations"]] == [
            ["s3:ObjectCreated:*"]
        ]
        assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["AllowedMethods"] == [
            "PUT",
            "GET",
            "HEAD",
        ]
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        assert policy["Statement"][0]["Action"] == "s3:GetObject"

    pools = [
        p
        for p in aws.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
        if p["Name"] == names.user_pool
    ]
    assert len(pools) == 1
    clients = aws.client("cognito-idp").list_user_pool_clients(UserPoolId=pools[0]["Id"])
    assert len(clients["UserPoolClients"]) == 1
    ssm = aws.client("ssm")
    assert (
        ssm.get_parameter(Name=names.parameter("cognito/user-pool-id"))["Parameter"]["Value"]
        == pools[0]["Id"]
    )
    assert ssm.get_parameter(Name=names.parameter("cognito/client-id"))["Parameter"]["Version"] == 1

    pages = aws.client("sns").get_paginator("list_topics").paginate()  # 100 topics a page
    topics = [t["TopicArn"] for page in pages for t in page["Topics"]]
    assert topics.count(first["topic"]) == 1
    machines = [
        m
        for m in aws.client("stepfunctions").list_state_machines()["stateMachines"]
        if m["name"] == names.state_machine
    ]
    assert len(machines) == 1
    assert "no-reply@shop.example.com" in aws.client("ses").list_identities()["Identities"]
