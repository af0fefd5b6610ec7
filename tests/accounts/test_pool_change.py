"""A pool replaced by bootstrap_aws while the processes run (found by the emulator outage
scenario: a restarted emulator is empty and bootstrap_aws creates a new pool). The ids each
process cached from SSM are read again: not a 500 on sign-up and sign-in, not a 401 for the
new pool's tokens."""

import uuid

import pytest
from django.test import override_settings

from accounts import services, tokens
from ecommerce import aws
from ecommerce.bootstrap import bootstrap, stack_name
from tests.conftest import Process

pytestmark = pytest.mark.django_db


@pytest.fixture
def replaced_pool():
    """(old ids, new ids): this process read the old pool's ids, then the resources were
    deleted and another process's bootstrap_aws created them anew (as after an emulator
    restart), with the new pool's ids in SSM."""
    prefix = f"pool-{uuid.uuid4().hex[:8]}"
    # An SES identity is the account's: deleting this stack must not take the session's
    # sender with it, so this stack verifies its own.
    sender = f"no-reply@{prefix}.example.com"
    cfn, ssm = aws.client("cloudformation"), aws.client("ssm")
    with override_settings(AWS_RESOURCE_PREFIX=prefix, SES_SENDER=sender):
        aws.reset_clients()
        created = bootstrap(prefix)
        old = created["user_pool"], created["app_client"]
        assert aws.cognito_ids() == old
        cfn.delete_stack(StackName=stack_name(prefix))
        other = Process("bootstrap", ["manage.py", "bootstrap_aws", "--prefix", prefix])
        other.env["SES_SENDER"] = sender
        other.run()
        names = aws.names(prefix)
        new = tuple(
            ssm.get_parameter(Name=names.parameter(f"cognito/{name}"))["Parameter"]["Value"]
            for name in ("user-pool-id", "client-id")
        )
        assert new != old
        assert aws.cognito_ids() == old  # still what this process cached
        try:
            yield old, new
        finally:
            cfn.delete_stack(StackName=stack_name(prefix))
            aws.reset_clients()
            tokens.keys.clear()


def test_sign_up_and_sign_in_use_the_new_pool(replaced_pool):
    _, new = replaced_pool
    tag = uuid.uuid4().hex[:8]

    services.user_sign_up(email=f"{tag}@example.com", full_name=f"New {tag}", password="passw0rd-1")
    services.user_confirm_sign_up(full_name=f"New {tag}", code="123456")
    issued = services.user_sign_in(full_name=f"New {tag}", password="passw0rd-1")

    assert aws.cognito_ids() == new
    assert tokens.verify(issued["IdToken"]).claims["iss"].endswith(new[0])


def test_a_token_of_the_new_pool_is_accepted_by_a_process_that_cached_the_old_one(
    api, replaced_pool
):
    _, (pool, client) = replaced_pool
    idp, tag = aws.client("cognito-idp"), uuid.uuid4().hex[:8]
    idp.sign_up(ClientId=client, Username=f"u-{tag}", Password="passw0rd-1")
    idp.confirm_sign_up(ClientId=client, Username=f"u-{tag}", ConfirmationCode="123456")
    issued = idp.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": f"u-{tag}", "PASSWORD": "passw0rd-1"},
    )["AuthenticationResult"]

    answer = api.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {issued['IdToken']}")

    assert answer.status_code == 200, answer.json()
    assert aws.cognito_ids() == (pool, client)
