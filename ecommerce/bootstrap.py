"""Idempotent creation of every AWS resource the app needs (the emulator's or real AWS).

Each step looks before it creates and only changes what differs, so running it twice
changes nothing and fails nothing.
"""

from __future__ import annotations

import json
import logging

from botocore.exceptions import ClientError
from django.conf import settings

from ecommerce import aws

logger = logging.getLogger(__name__)


# The user pool's password policy; the API checks passwords against it before Cognito does
# (accounts.serializers), so the schema can say what a valid password is.
PASSWORD_POLICY = {
    "MinimumLength": 8,
    "RequireUppercase": False,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": False,
}


def _queue(sqs, name: str, attributes: dict) -> tuple[str, str]:
    """Create or update a queue; returns (url, arn)."""
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        changed = {k: v for k, v in attributes.items() if current.get(k) != v}
        if changed:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=changed)
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in {
            "AWS.SimpleQueueService.NonExistentQueue",
            "QueueDoesNotExist",
        }:
            raise
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def _queue_with_dlq(sqs, name: str, visibility: int) -> tuple[str, str]:
    _, dlq_arn = _queue(
        sqs, aws.Names.dead_letter(name), {"MessageRetentionPeriod": str(14 * 24 * 3600)}
    )
    attributes = {
        "VisibilityTimeout": str(visibility),
        "MessageRetentionPeriod": str(4 * 24 * 3600),
        "RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": settings.SQS_MAX_RECEIVE_COUNT},
            sort_keys=True,
        ),
    }
    return _queue(sqs, name, attributes)


def _bucket(s3, name: str, events_queue_arn: str) -> None:
    try:
        s3.head_bucket(Bucket=name)
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in {"404", "NoSuchBucket", "NotFound"}:
            raise
        kwargs = {}
        if settings.AWS_REGION != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": settings.AWS_REGION}
        s3.create_bucket(Bucket=name, **kwargs)
    # Images are public: allow a public-read bucket policy (new buckets block it by default).
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    )
    s3.put_bucket_policy(
        Bucket=name,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "PublicRead",
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{name}/*",
                    }
                ],
            }
        ),
    )
    # The API's origins (CORS_ALLOWED_ORIGINS): a page that may call the API may PUT its
    # images to a presigned URL from the browser. No origins: no CORS at all.
    if settings.ALLOWED_ORIGINS:
        s3.put_bucket_cors(
            Bucket=name,
            CORSConfiguration={
                "CORSRules": [
                    {
                        "AllowedOrigins": settings.ALLOWED_ORIGINS,
                        "AllowedMethods": ["PUT", "GET", "HEAD"],
                        "AllowedHeaders": ["*"],
                        "ExposeHeaders": ["ETag"],
                        "MaxAgeSeconds": 3600,
                    }
                ]
            },
        )
    else:
        s3.delete_bucket_cors(Bucket=name)
    wanted = {
        "QueueConfigurations": [
            {
                "Id": "object-created",
                "QueueArn": events_queue_arn,
                "Events": ["s3:ObjectCreated:*"],
            }
        ]
    }
    current = s3.get_bucket_notification_configuration(Bucket=name)
    if current.get("QueueConfigurations") != wanted["QueueConfigurations"]:
        s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration=wanted)


def _user_pool(idp, names: aws.Names) -> tuple[str, str]:
    pool_id = None
    for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page["UserPools"]:
            if pool["Name"] == names.user_pool:
                pool_id = pool["Id"]
    if pool_id is None:
        pool_id = idp.create_user_pool(
            PoolName=names.user_pool,
            Policies={"PasswordPolicy": PASSWORD_POLICY},
            AutoVerifiedAttributes=["email"],
            Schema=[
                {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True}
            ],
            UsernameConfiguration={"CaseSensitive": False},
        )["UserPool"]["Id"]
    client_id = None
    for page in idp.get_paginator("list_user_pool_clients").paginate(
        UserPoolId=pool_id, MaxResults=60
    ):
        for app in page["UserPoolClients"]:
            if app["ClientName"] == names.app_client:
                client_id = app["ClientId"]
    if client_id is None:
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=names.app_client,
            GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            PreventUserExistenceErrors="ENABLED",
            EnableTokenRevocation=True,
        )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def _parameter(ssm, name: str, value: str) -> None:
    try:
        if ssm.get_parameter(Name=name)["Parameter"]["Value"] == value:
            return
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ParameterNotFound":
            raise
    ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)


def _states_role(iam, names: aws.Names, events_queue_arn: str) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "states.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    try:
        arn = iam.get_role(RoleName=names.states_role)["Role"]["Arn"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchEntity":
            raise
        arn = iam.create_role(
            RoleName=names.states_role, AssumeRolePolicyDocument=json.dumps(trust)
        )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=names.states_role,
        PolicyName="report-to-events-queue",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": events_queue_arn}
                ],
            }
        ),
    )
    return arn


def _state_machine(sfn, names: aws.Names, definition: str, role_arn: str) -> str:
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == names.state_machine:
                arn = machine["stateMachineArn"]
                if sfn.describe_state_machine(stateMachineArn=arn)["definition"] != definition:
                    sfn.update_state_machine(
                        stateMachineArn=arn, definition=definition, roleArn=role_arn
                    )
                return arn
    return sfn.create_state_machine(
        name=names.state_machine, definition=definition, roleArn=role_arn
    )["stateMachineArn"]


def bootstrap(prefix: str | None = None) -> dict[str, str]:
    """Create or update every resource; returns what exists, by name."""
    from ecommerce.uploads import upload_models
    from orders.workflow import definition

    names = aws.names(prefix)
    buckets = {purpose: names.bucket(purpose) for purpose in upload_models()}
    sqs, s3 = aws.client("sqs"), aws.client("s3")
    created: dict[str, str] = {}

    events_url, events_arn = _queue_with_dlq(
        sqs, names.events_queue, settings.EVENTS_VISIBILITY_TIMEOUT
    )
    bucket_arns = [f"arn:aws:s3:::{bucket}" for bucket in buckets.values()]
    sqs.set_queue_attributes(
        QueueUrl=events_url,
        Attributes={
            "Policy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "S3ObjectCreated",
                            "Effect": "Allow",
                            "Principal": {"Service": "s3.amazonaws.com"},
                            "Action": "sqs:SendMessage",
                            "Resource": events_arn,
                            "Condition": {"ArnLike": {"aws:SourceArn": bucket_arns}},
                        }
                    ],
                },
                sort_keys=True,
            )
        },
    )
    created["events_queue"] = events_url
    created["celery_queue"], _ = _queue_with_dlq(
        sqs, names.celery_queue, settings.SQS_VISIBILITY_TIMEOUT
    )

    for purpose, bucket in buckets.items():
        _bucket(s3, bucket, events_arn)
        created[f"bucket:{purpose}"] = bucket

    created["topic"] = aws.client("sns").create_topic(Name=names.topic)["TopicArn"]

    pool_id, client_id = _user_pool(aws.client("cognito-idp"), names)
    ssm = aws.client("ssm")
    _parameter(ssm, names.parameter("cognito/user-pool-id"), pool_id)
    _parameter(ssm, names.parameter("cognito/client-id"), client_id)
    created["user_pool"], created["app_client"] = pool_id, client_id

    aws.client("ses").verify_email_identity(EmailAddress=settings.SES_SENDER)
    created["ses_identity"] = settings.SES_SENDER

    role_arn = _states_role(aws.client("iam"), names, events_arn)
    created["state_machine"] = _state_machine(
        aws.client("stepfunctions"), names, definition(events_url), role_arn
    )
    # A re-created pool has new ids: drop what this process had looked up.
    aws.ssm_parameter.cache_clear()
    logger.info("aws bootstrapped", extra={"resources": created})
    return created
