"""A pool replaced by bootstrap_aws while the processes run (found by the emulator outage
scenario: a restarted emulator is empty and bootstrap_aws creates a new pool). The ids each
process cached from SSM are read again: not a 500 on sign-up and sign-in, not a 401 for the
new pool's tokens."""

import uuid

import pytest
from django.test import override_settings

from accounts import services, tokens
from ecommerce import aws
from ecommerce.bootstrap import _parameter, _user_pool

pytestmark = pytest.mark.django_db


@pytest.fixture
def replaced_pool():
    """(old ids, new ids): this process read the old pool's ids, then the pool was deleted
    and created anew with its ids in SSM, as bootstrap_aws does."""
    prefix = f"pool-{uuid.uuid4().hex[:8]}"
    with override_settings(AWS_RESOURCE_PREFIX=prefix):
        aws.reset_clients()
        idp, ssm, names = aws.client("cognito-idp"), aws.client("ssm"), aws.names()

        def bootstrap_pool() -> tuple[str, str]:
            ids = _user_pool(idp, names)
            _parameter(ssm, names.parameter("cognito/user-pool-id"), ids[0])
            _parameter(ssm, names.parameter("cognito/client-id"), ids[1])
            return ids

        old = bootstrap_pool()
        assert aws.cognito_ids() == old
        idp.delete_user_pool(UserPoolId=old[0])
        new = bootstrap_pool()
        assert aws.cognito_ids() == old  # still what this process cached
        try:
            yield old, new
        finally:
            idp.delete_user_pool(UserPoolId=new[0])
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
