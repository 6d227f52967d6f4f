data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account            = data.aws_caller_identity.current.account_id
  partition          = data.aws_partition.current.partition
  role_prefix_arn    = "arn:${local.partition}:iam::${local.account}:role/${var.name}-"
  terraform_role_arn = "${local.role_prefix_arn}terraform"
}

################################################################################
# Permissions boundary
################################################################################

# Every role the Terraform role may create or change must carry this boundary (the condition on
# BoundedRoleWrites below), so no role of this stack, present or future, can be given IAM
# powers: the Terraform role cannot escalate by writing a policy onto a role it then assumes.
# The boundary itself and the Terraform role are out of the workflow's reach (ProtectBoundary,
# NoSelfEscalation): changing either takes an administrator's apply.
data "aws_iam_policy_document" "permissions_boundary" {
  # checkov:skip=CKV_AWS_1:A permissions boundary grants nothing: it is the ceiling the roles' own, scoped policies stay under, and it denies IAM writes.
  # checkov:skip=CKV_AWS_49:A permissions boundary grants nothing: it is the ceiling the roles' own, scoped policies stay under, and it denies IAM writes.
  # checkov:skip=CKV_AWS_107:A permissions boundary grants nothing: it is the ceiling the roles' own, scoped policies stay under, and it denies IAM writes.
  # checkov:skip=CKV_AWS_108:A permissions boundary grants nothing: it is the ceiling the roles' own, scoped policies stay under, and it denies IAM writes.
  # checkov:skip=CKV_AWS_109:A permissions boundary grants nothing: it is the ceiling the roles' own, scoped policies stay under, and it denies IAM writes.
  # checkov:skip=CKV_AWS_110:A permissions boundary grants nothing: it is the ceiling the roles' own, scoped policies stay under, and it denies IAM writes.
  # checkov:skip=CKV_AWS_111:A permissions boundary grants nothing: it is the ceiling the roles' own, scoped policies stay under, and it denies IAM writes.
  # checkov:skip=CKV_AWS_356:A permissions boundary grants nothing: it is the ceiling the roles' own, scoped policies stay under, and it denies IAM writes.
  # A permissions boundary grants nothing: it caps what the roles' own policies may grant. The
  # cap is "anything but IAM writes and leaving the account"; each role's policy scopes it.
  statement {
    sid     = "CapIsEverythingBelow"
    actions = ["*"]
    # A boundary's "*" is the ceiling, not a grant (the roles' own policies are scoped).
    resources = ["*"]
  }

  statement {
    sid    = "NoIamWritesNoAccountChanges"
    effect = "Deny"
    actions = [
      "iam:Add*", "iam:Attach*", "iam:Change*", "iam:Create*", "iam:Deactivate*", "iam:Delete*",
      "iam:Detach*", "iam:Enable*", "iam:Put*", "iam:Remove*", "iam:Reset*", "iam:Set*",
      "iam:Tag*", "iam:Untag*", "iam:Update*", "iam:Upload*",
      "organizations:*", "account:*",
    ]
    resources = ["*"] # a Deny: every resource
  }
}

resource "aws_iam_policy" "permissions_boundary" {
  name        = "${var.name}-boundary"
  description = "Ceiling of every role of ${var.name}: no IAM writes, no account changes"
  policy      = data.aws_iam_policy_document.permissions_boundary.json

  tags = var.tags
}

################################################################################
# Terraform role (the plan/apply workflow)
################################################################################

# Broader by nature: it creates and changes everything in this stack. AWS's PowerUserAccess
# covers every service but IAM; IAM itself is limited to roles under this environment's prefix
# that carry the permissions boundary above, and never its own role.
module "terraform_trust" {
  source = "../github_oidc_trust"

  github_oidc_provider_arn = var.github_oidc_provider_arn
  github_repository        = var.github_repository
  # Only jobs in the named GitHub environments: their protection rules gate every apply.
  environments = var.terraform_environments
}

resource "aws_iam_role" "terraform" {
  name                 = "${var.name}-terraform"
  description          = "GitHub Actions terraform workflow: plan and apply this environment"
  assume_role_policy   = module.terraform_trust.json
  max_session_duration = 3600

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "terraform_power_user" {
  role       = aws_iam_role.terraform.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/PowerUserAccess"
}

data "aws_iam_policy_document" "terraform" {
  statement {
    sid = "ReadStackRoles"
    actions = [
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies",
    ]
    # Roles of this environment only (their names are "<name>-<role>").
    resources = ["${local.role_prefix_arn}*"]
  }

  statement {
    sid = "BoundedRoleWrites"
    actions = [
      "iam:CreateRole",
      "iam:DeleteRolePolicy",
      "iam:PutRolePermissionsBoundary",
      "iam:PutRolePolicy",
    ]
    # Roles of this environment only, and only while they carry the boundary.
    resources = ["${local.role_prefix_arn}*"]
    condition {
      test     = "ArnEquals"
      variable = "iam:PermissionsBoundary"
      values   = [aws_iam_policy.permissions_boundary.arn]
    }
  }

  statement {
    sid = "ChangeStackRoles"
    actions = [
      "iam:DeleteRole",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
    ]
    # Roles of this environment only (their names are "<name>-<role>"); none of these grants a permission.
    resources = ["${local.role_prefix_arn}*"]
  }

  statement {
    sid     = "AttachOnlyTheRdsMonitoringPolicy"
    actions = ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]
    # Roles of this environment only, carrying the boundary, and only AWS's RDS monitoring policy.
    resources = ["${local.role_prefix_arn}*"]
    condition {
      test     = "ArnEquals"
      variable = "iam:PolicyARN"
      values   = ["arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"]
    }
    condition {
      test     = "ArnEquals"
      variable = "iam:PermissionsBoundary"
      values   = [aws_iam_policy.permissions_boundary.arn]
    }
  }

  statement {
    sid = "ReadTheBoundary"
    actions = [
      "iam:GetPolicy",
      "iam:GetPolicyVersion",
      "iam:ListPolicyTags",
      "iam:ListPolicyVersions",
    ]
    resources = [aws_iam_policy.permissions_boundary.arn]
  }

  statement {
    sid     = "PassStackRoles"
    actions = ["iam:PassRole"]
    # Roles of this environment only (their names are "<name>-<role>").
    resources = ["${local.role_prefix_arn}*"]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com", "monitoring.rds.amazonaws.com", "vpc-flow-logs.amazonaws.com"]
    }
  }

  statement {
    sid     = "StateFiles"
    actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    # The state and its .tflock file under any key of the state bucket.
    resources = ["${var.state_bucket_arn}/*"]
  }

  # Explicit Denies win over every Allow, PowerUserAccess included.
  statement {
    sid    = "NoSelfEscalation"
    effect = "Deny"
    actions = [
      "iam:Attach*", "iam:Delete*", "iam:Detach*", "iam:Put*", "iam:Tag*", "iam:Untag*",
      "iam:Update*",
    ]
    resources = [local.terraform_role_arn] # this role itself
  }

  statement {
    sid    = "ProtectBoundary"
    effect = "Deny"
    actions = [
      "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
      "iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:UntagPolicy",
    ]
    resources = [aws_iam_policy.permissions_boundary.arn]
  }

  statement {
    sid       = "KeepBoundaries"
    effect    = "Deny"
    actions   = ["iam:DeleteRolePermissionsBoundary"]
    resources = ["${local.role_prefix_arn}*"] # a Deny: every role of the stack
  }
}

resource "aws_iam_role_policy" "terraform" {
  name   = "terraform-iam-and-state"
  role   = aws_iam_role.terraform.id
  policy = data.aws_iam_policy_document.terraform.json
}
