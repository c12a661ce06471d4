"""Auth: the Cognito user pool, the web app's client and the ``admins`` group."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra import deploy_config as dc
from infra.nag import acknowledge
from service.config import Settings

ADMIN_GROUP: str = Settings.model_fields["cognito_admin_group"].default


class AuthStack(Stack):
    """Who may sign in, and who is an administrator."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: dc.DeployConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.user_pool = self._user_pool(config)
        self.client = self.user_pool.add_client(
            "WebApp",
            auth_flows=cognito.AuthFlow(user_srp=True),
            generate_secret=False,  # a browser app cannot keep a secret
            disable_o_auth=True,  # sign-in is SRP from the app itself, no hosted UI
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
        )
        cognito.CfnUserPoolGroup(
            self,
            "Admins",
            user_pool_id=self.user_pool.user_pool_id,
            group_name=ADMIN_GROUP,
            description="may list, re-index and delete every user's documents",
        )
        for n, email in enumerate(config.admins):
            self._invite_admin(n, email)
        CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=self.client.user_pool_client_id)

    def _user_pool(self, config: dc.DeployConfig) -> cognito.UserPool:
        pool = cognito.UserPool(
            self,
            "Users",
            self_sign_up_enabled=config.self_sign_up,
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            pool,
            "AwsSolutions-COG2",
            "MFA is offered (TOTP) but not forced: the web app's sign-in supports password "
            "sign-in; operators who need it set MFA to required in the pool.",
        )
        for rule in ("AwsSolutions-COG3", "AwsSolutions-COG8"):
            acknowledge(
                pool,
                rule,
                "threat protection needs the Cognito Plus feature plan (a per-user charge); "
                "the Essentials plan is the default, an operator may upgrade the pool.",
            )
        return pool

    def _invite_admin(self, n: int, email: str) -> None:
        # Cognito e-mails the invitation with a temporary password; no password is in the code.
        user = cognito.CfnUserPoolUser(
            self,
            f"Admin{n}",
            user_pool_id=self.user_pool.user_pool_id,
            username=email,
            user_attributes=[
                cognito.CfnUserPoolUser.AttributeTypeProperty(name="email", value=email),
                cognito.CfnUserPoolUser.AttributeTypeProperty(name="email_verified", value="true"),
            ],
            desired_delivery_mediums=["EMAIL"],
        )
        attach = cognito.CfnUserPoolUserToGroupAttachment(
            self,
            f"Admin{n}InGroup",
            user_pool_id=self.user_pool.user_pool_id,
            group_name=ADMIN_GROUP,
            username=email,
        )
        attach.add_dependency(user)
        group = self.node.find_child("Admins")
        attach.node.add_dependency(group)
