"""What moto 5.2.5's CloudFormation lacks for deploy/app-resources.yaml, added to the emulator.

`bootstrap_aws` deploys that template on the emulator as on AWS, so it stays the one
description of the app's resources. moto's CloudFormation skips (with a warning) these
resource types and creates nothing for them:

    AWS::Cognito::UserPool, AWS::Cognito::UserPoolClient, AWS::SES::EmailIdentity,
    AWS::S3::BucketPolicy, AWS::SQS::QueuePolicy

its AWS::S3::Bucket ignores these properties (they are set on the emulator's buckets here,
after moto created or updated them):

    PublicAccessBlockConfiguration, CorsConfiguration, NotificationConfiguration

and its AWS::StepFunctions::StateMachine is made where the Step Functions API does not look
once executions are switched on (ecommerce.emulator.configure): it is made here in the
backend that API uses.

Each is made here with the ordinary API call, through boto3 against the emulator itself,
from the properties CloudFormation resolved. Imported by ecommerce.emulator_server only.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.exceptions import ClientError
from moto.core.common_models import CloudFormationModel
from moto.s3.models import FakeBucket
from moto.stepfunctions.models import StateMachine
from moto.stepfunctions.responses import get_backend as stepfunctions_backend

ADDED_TYPES = (
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
    "AWS::SES::EmailIdentity",
    "AWS::S3::BucketPolicy",
    "AWS::SQS::QueuePolicy",
)
ADDED_BUCKET_PROPERTIES = (
    "PublicAccessBlockConfiguration",
    "CorsConfiguration",
    "NotificationConfiguration",
)
REPLACED_TYPES = ("AWS::StepFunctions::StateMachine",)


def _client(service: str, region: str):
    """A client of this emulator (moto's server answers while it handles the stack call)."""
    return boto3.client(
        service,
        endpoint_url=f"http://127.0.0.1:{os.environ['MOTO_PORT']}",
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - the emulator takes any credentials
    )


@contextmanager
def _gone_is_fine():
    """moto deletes a stack's resources in no particular order: what a resource belonged to
    (a client's pool, a policy's bucket or queue) may be gone already, and it with it."""
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if "NotFound" not in code and "NonExistent" not in code and "NoSuch" not in code:
            raise


def _properties(cloudformation_json: dict) -> dict[str, Any]:
    return cloudformation_json.get("Properties", {})


class _Made:
    """Holds what Ref and Fn::GetAtt give for a resource made here."""

    def __init__(self, physical_id: str, region: str, attributes: dict[str, str] | None = None):
        self.physical_resource_id = physical_id
        self.region = region
        self.attributes = attributes or {}

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return self.attributes[attribute_name]


class CognitoUserPool(_Made, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPool"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "UserPoolName"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = dict(_properties(cloudformation_json))
        name = properties.pop("UserPoolName", resource_name)
        pool = _client("cognito-idp", region_name).create_user_pool(PoolName=name, **properties)
        pool = pool["UserPool"]
        return cls(pool["Id"], region_name, {"Arn": pool["Arn"], "ProviderName": pool["Id"]})

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = dict(_properties(cloudformation_json))
        properties.pop("UserPoolName", None)
        properties.pop("Schema", None)  # fixed at creation
        properties.pop("UsernameConfiguration", None)  # fixed at creation
        _client("cognito-idp", region_name).update_user_pool(
            UserPoolId=original_resource.physical_resource_id, **properties
        )
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        _client("cognito-idp", region_name).delete_user_pool(UserPoolId=self.physical_resource_id)


class CognitoUserPoolClient(_Made, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPoolClient"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = _properties(cloudformation_json)
        app = _client("cognito-idp", region_name).create_user_pool_client(**properties)
        made = cls(app["UserPoolClient"]["ClientId"], region_name)
        made.pool_id = properties["UserPoolId"]
        return made

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = dict(_properties(cloudformation_json))
        properties.pop("GenerateSecret", None)  # fixed at creation
        _client("cognito-idp", region_name).update_user_pool_client(
            ClientId=original_resource.physical_resource_id, **properties
        )
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        with _gone_is_fine():
            _client("cognito-idp", region_name).delete_user_pool_client(
                UserPoolId=self.pool_id, ClientId=self.physical_resource_id
            )


class SesEmailIdentity(_Made, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SES::EmailIdentity"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        address = _properties(cloudformation_json)["EmailIdentity"]
        _client("ses", region_name).verify_email_identity(EmailAddress=address)
        return cls(address, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        _client("ses", region_name).delete_identity(Identity=self.physical_resource_id)


class S3BucketPolicy(_Made, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = _properties(cloudformation_json)
        _client("s3", region_name).put_bucket_policy(
            Bucket=properties["Bucket"], Policy=json.dumps(properties["PolicyDocument"])
        )
        return cls(properties["Bucket"], region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        return cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )

    def delete(self, account_id: str, region_name: str) -> None:
        with _gone_is_fine():
            _client("s3", region_name).delete_bucket_policy(Bucket=self.physical_resource_id)


class SqsQueuePolicy(_Made, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SQS::QueuePolicy"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = _properties(cloudformation_json)
        made = cls(resource_name, region_name)
        made.queues = list(properties["Queues"])
        made._set(json.dumps(properties["PolicyDocument"], sort_keys=True))
        return made

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        return cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )

    def _set(self, policy: str) -> None:
        sqs = _client("sqs", self.region)
        for url in self.queues:
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})

    def delete(self, account_id: str, region_name: str) -> None:
        with _gone_is_fine():
            self._set("")


def _bucket_configuration(name: str, properties: dict, region: str) -> None:
    """The bucket properties moto's CloudFormation ignores, as the API sets them."""
    s3 = _client("s3", region)
    if "PublicAccessBlockConfiguration" in properties:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=properties["PublicAccessBlockConfiguration"]
        )
    rules = properties.get("CorsConfiguration", {}).get("CorsRules")
    if rules:
        s3.put_bucket_cors(
            Bucket=name,
            CORSConfiguration={
                "CORSRules": [
                    {
                        "AllowedOrigins": rule["AllowedOrigins"],
                        "AllowedMethods": rule["AllowedMethods"],
                        "AllowedHeaders": rule.get("AllowedHeaders", []),
                        "ExposeHeaders": rule.get("ExposedHeaders", []),
                        "MaxAgeSeconds": int(rule["MaxAge"]),
                    }
                    for rule in rules
                ]
            },
        )
    else:
        s3.delete_bucket_cors(Bucket=name)
    queues = properties.get("NotificationConfiguration", {}).get("QueueConfigurations", [])
    s3.put_bucket_notification_configuration(
        Bucket=name,
        NotificationConfiguration={
            "QueueConfigurations": [
                {"QueueArn": queue["Queue"], "Events": [queue["Event"]]} for queue in queues
            ]
        },
    )


_create_bucket = FakeBucket.create_from_cloudformation_json.__func__
_update_bucket = FakeBucket.update_from_cloudformation_json.__func__


def _create_bucket_configured(
    cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
):
    bucket = _create_bucket(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    _bucket_configuration(bucket.name, _properties(cloudformation_json), region_name)
    return bucket


def _update_bucket_configured(
    cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
):
    bucket = _update_bucket(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    )
    _bucket_configuration(bucket.name, _properties(cloudformation_json), region_name)
    return bucket


FakeBucket.create_from_cloudformation_json = classmethod(_create_bucket_configured)
FakeBucket.update_from_cloudformation_json = classmethod(_update_bucket_configured)


def _create_state_machine(cls, resource_name, cloudformation_json, account_id, region_name, **kw):
    properties = _properties(cloudformation_json)
    return stepfunctions_backend(account_id, region_name).create_state_machine(
        name=properties.get("StateMachineName", resource_name),
        definition=properties["DefinitionString"],
        roleArn=properties["RoleArn"],
    )


def _update_state_machine(
    cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
):
    properties = _properties(cloudformation_json)
    return stepfunctions_backend(account_id, region_name).update_state_machine(
        original_resource.arn,
        definition=properties["DefinitionString"],
        role_arn=properties["RoleArn"],
    )


def _delete_state_machine(cls, resource_name, cloudformation_json, account_id, region_name):
    stepfunctions_backend(account_id, region_name).delete_state_machine(resource_name)


StateMachine.create_from_cloudformation_json = classmethod(_create_state_machine)
StateMachine.update_from_cloudformation_json = classmethod(_update_state_machine)
StateMachine.delete_from_cloudformation_json = classmethod(_delete_state_machine)
