"""moto's server (`python -m ecommerce.emulator_server -H HOST -p PORT`), plus what the app
needs and moto 5.2.5 lacks: Cognito's ResendConfirmationCode (without it the emulated stack
answers `POST /auth/resend-confirmation` with 503: moto's "not implemented" is an HTTP 500),
and the CloudFormation resource types and properties of deploy/app-resources.yaml that
moto's CloudFormation skips (ecommerce.emulator_cloudformation). Started by
ecommerce.emulator; never imported by the app."""

from moto.cognitoidp.exceptions import ResourceNotFoundError, UserNotFoundError
from moto.cognitoidp.models import cognitoidp_backends, find_account_region_by_value
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult
from moto.server import main

import ecommerce.emulator_cloudformation  # noqa: F401 - registers the missing resource types


def resend_confirmation_code(self: CognitoIdpResponse) -> ActionResult:
    """As Cognito answers: the user's email as the destination, or UserNotFoundException.
    moto's confirm-sign-up takes any code, so no code is kept."""
    client_id = self._get_param("ClientId")
    account, region = find_account_region_by_value(
        "client_id", client_id, fallback=(self.current_account, self.region)
    )
    backend = cognitoidp_backends[account][region]
    pool = next((p for p in backend.user_pools.values() if client_id in p.clients), None)
    if pool is None:
        raise ResourceNotFoundError(client_id)
    user = pool._get_user(self._get_param("Username"))
    if user is None:
        raise UserNotFoundError("User does not exist.")
    email = next((a["Value"] for a in user.attributes if a["Name"] == "email"), "")
    destination = f"{email[:1]}***@{email.partition('@')[2]}"
    return ActionResult(
        {
            "CodeDeliveryDetails": {
                "Destination": destination,
                "DeliveryMedium": "EMAIL",
                "AttributeName": "email",
            }
        }
    )


CognitoIdpResponse.resend_confirmation_code = resend_confirmation_code

if __name__ == "__main__":
    main()
