data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.region

  # One provider per account, created by terraform/bootstrap; its ARN is fixed by its URL, so
  # no lookup is needed (a data source here would be read during plan).
  oidc_provider_arn = coalesce(var.github_oidc_provider_arn, "arn:${local.partition}:iam::${local.account}:oidc-provider/token.actions.githubusercontent.com")
  cluster_name      = element(split("/", var.cluster_arn), 1)

  role_prefix_arn             = "arn:${local.partition}:iam::${local.account}:role/${var.name}-"
  terraform_role_arn          = "${local.role_prefix_arn}terraform"
  outputs_reader_environments = var.outputs_reader_environments != null ? var.outputs_reader_environments : var.deploy_environments
  listener_arns               = var.test_listener_arn == null ? [var.listener_arn] : [var.listener_arn, var.test_listener_arn]

  # Every AWS action the bluegreen controller calls, by statement. controller-actions.json beside
  # this file is the same list for the controller's tests; a test keeps the two equal.
  controller_actions = {
    EcsServices        = ["ecs:DescribeServices", "ecs:UpdateService"]
    EcsTaskDefinitions = ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"]
    EcsRunMigration    = ["ecs:RunTask"]
    EcsDescribeTasks   = ["ecs:DescribeTasks"]
    EcsListTasks       = ["ecs:ListTasks"]
    PassTaskRoles      = ["iam:PassRole"]
    ElbDescribe = [
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:DescribeRules",
      "elasticloadbalancing:DescribeTargetGroupAttributes",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeTargetHealth",
    ]
    ElbSwitchListener = ["elasticloadbalancing:ModifyListener"]
    AlarmsDescribe    = ["cloudwatch:DescribeAlarms"]
    MetricsRead       = ["cloudwatch:GetMetricData"]
    DeployTable = [
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]
    LiveColor = ["ssm:GetParameter", "ssm:PutParameter"]
    EcrAuth   = ["ecr:GetAuthorizationToken"]
    EcrPushPull = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
  }
}

################################################################################
# GitHub OIDC provider
################################################################################

# The provider is one per account: terraform/bootstrap creates it. It used to be created here,
# which made the second environment of an account fail with EntityAlreadyExists. Forget it
# without deleting it (the bootstrap takes it over with `terraform import`).
removed {
  from = aws_iam_openid_connect_provider.github

  lifecycle {
    destroy = false
  }
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
# Deploy role (the bluegreen controller in the deploy workflow)
################################################################################

data "aws_iam_policy_document" "deploy_assume" {
  # checkov:skip=CKV_AWS_358:The subject is repo:<owner>/<name>:environment:<env>, exact (StringEquals); github_repository's validation enforces owner/name without wildcards, which checkov cannot see through the variable.
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    # Only jobs of this repository that run in the deploy environments (e.g. the deploy gate and
    # a separate promotion gate), so their protection rules (reviewers, branch policy) gate
    # every deploy, promotion and rollback.
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = [for environment in var.deploy_environments : "repo:${var.github_repository}:environment:${environment}"]
    }
  }
}

resource "aws_iam_role" "deploy" {
  name                 = "${var.name}-deploy"
  description          = "GitHub Actions deploy job: exactly the bluegreen controller's AWS calls"
  assume_role_policy   = data.aws_iam_policy_document.deploy_assume.json
  max_session_duration = 3600
  permissions_boundary = aws_iam_policy.permissions_boundary.arn

  tags = var.tags
}

data "aws_iam_policy_document" "deploy" {
  statement {
    sid       = "EcsServices"
    actions   = local.controller_actions.EcsServices
    resources = var.service_arns
  }

  statement {
    sid     = "EcsTaskDefinitions"
    actions = local.controller_actions.EcsTaskDefinitions
    # AWS requires "*": neither action supports resource-level permissions. PassRole below still
    # limits which roles a registered revision can carry.
    resources = ["*"]
  }

  statement {
    sid     = "EcsRunMigration"
    actions = local.controller_actions.EcsRunMigration
    # Any revision of our two families (revision numbers are unknown in advance), on our cluster.
    resources = [for family in var.task_definition_families : "arn:${local.partition}:ecs:${local.region}:${local.account}:task-definition/${family}:*"]
    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [var.cluster_arn]
    }
  }

  statement {
    sid     = "EcsDescribeTasks"
    actions = local.controller_actions.EcsDescribeTasks
    # Task IDs are unknown in advance: any task of our cluster only.
    resources = ["arn:${local.partition}:ecs:${local.region}:${local.account}:task/${local.cluster_name}/*"]
  }

  statement {
    sid     = "EcsListTasks"
    actions = local.controller_actions.EcsListTasks
    # AWS requires "*": ListTasks is authorised on container instances, which Fargate has none of;
    # the ecs:cluster condition keeps it to our cluster.
    resources = ["*"]
    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [var.cluster_arn]
    }
  }

  statement {
    sid       = "PassTaskRoles"
    actions   = local.controller_actions.PassTaskRoles
    resources = [var.task_role_arn, var.task_execution_role_arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  statement {
    sid     = "ElbDescribe"
    actions = local.controller_actions.ElbDescribe
    # AWS requires "*": Elastic Load Balancing Describe* actions support no resource-level permissions.
    resources = ["*"]
  }

  statement {
    sid     = "ElbSwitchListener"
    actions = local.controller_actions.ElbSwitchListener
    # The production listener (weights) and, when there is one, the test listener (the idle colour).
    resources = local.listener_arns
  }

  statement {
    sid     = "AlarmsDescribe"
    actions = local.controller_actions.AlarmsDescribe
    # Metric alarms only: the controller calls DescribeAlarms with AlarmTypes=["MetricAlarm"] and
    # AlarmNames. AWS returns composite alarms only to a caller allowed DescribeAlarms on "*"
    # (docs/iam.md), so asking for CompositeAlarm with this scope would be AccessDenied.
    resources = var.alarm_arns
  }

  statement {
    sid     = "MetricsRead"
    actions = local.controller_actions.MetricsRead
    # AWS requires "*": GetMetricData supports no resource-level permissions.
    resources = ["*"]
  }

  statement {
    sid       = "DeployTable"
    actions   = local.controller_actions.DeployTable
    resources = [var.deploy_table_arn]
  }

  statement {
    sid       = "LiveColor"
    actions   = local.controller_actions.LiveColor
    resources = [var.live_color_parameter_arn]
  }

  statement {
    sid     = "EcrAuth"
    actions = local.controller_actions.EcrAuth
    # AWS requires "*": the token is for the registry, which has no resource ARN.
    resources = ["*"]
  }

  statement {
    sid       = "EcrPushPull"
    actions   = local.controller_actions.EcrPushPull
    resources = [var.ecr_repository_arn]
  }
}

resource "aws_iam_role_policy" "deploy" {
  name   = "bluegreen-controller"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.deploy.json
}

################################################################################
# Outputs reader (workflows read the stack's outputs from its state)
################################################################################

# The workflows read `terraform output` from the state itself instead of a hand-copied variable
# that goes stale. Reading the state object is all this role can do: no lock, no write, no
# other key of the bucket.
data "aws_iam_policy_document" "outputs_reader_assume" {
  # checkov:skip=CKV_AWS_358:The subject is repo:<owner>/<name>:environment:<env>, exact (StringEquals); github_repository's validation enforces owner/name without wildcards, which checkov cannot see through the variable.
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = [for environment in local.outputs_reader_environments : "repo:${var.github_repository}:environment:${environment}"]
    }
  }
}

resource "aws_iam_role" "outputs_reader" {
  name                 = "${var.name}-outputs-reader"
  description          = "GitHub Actions: read this environment's Terraform outputs from its state, nothing else"
  assume_role_policy   = data.aws_iam_policy_document.outputs_reader_assume.json
  max_session_duration = 3600
  permissions_boundary = aws_iam_policy.permissions_boundary.arn

  tags = var.tags
}

data "aws_iam_policy_document" "outputs_reader" {
  statement {
    sid       = "ReadThisState"
    actions   = ["s3:GetObject"]
    resources = ["${var.state_bucket_arn}/${var.state_key}"]
  }

  # `terraform init` lists the state key (and the workspaces' prefix) before reading it.
  statement {
    sid       = "ListThisState"
    actions   = ["s3:ListBucket"]
    resources = [var.state_bucket_arn]
    condition {
      test     = "StringEquals"
      variable = "s3:prefix"
      values   = [var.state_key, "env:/"]
    }
  }

  dynamic "statement" {
    for_each = var.state_kms_key_arn == null ? [] : [var.state_kms_key_arn]
    content {
      sid       = "DecryptThisStateViaS3"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "outputs_reader" {
  name   = "read-terraform-outputs"
  role   = aws_iam_role.outputs_reader.id
  policy = data.aws_iam_policy_document.outputs_reader.json
}

################################################################################
# Terraform role (the plan/apply workflow)
################################################################################

# Broader by nature: it creates and changes everything in this stack. AWS's PowerUserAccess
# covers every service but IAM; IAM itself is limited to roles under this environment's prefix
# that carry the permissions boundary above, and never its own role.
data "aws_iam_policy_document" "terraform_assume" {
  # checkov:skip=CKV_AWS_358:The subject is repo:<owner>/<name>:environment:<env>, exact (StringEquals); github_repository's validation enforces owner/name without wildcards, which checkov cannot see through the variable.
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    # Only jobs that run in the named GitHub environments, so their protection rules (required
    # reviewers, deployment branches) gate every apply. A bare `ref:refs/heads/main` subject would
    # let any workflow on main with `id-token: write` act as this role without a reviewer.
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = [for environment in var.terraform_environments : "repo:${var.github_repository}:environment:${environment}"]
    }
  }
}

resource "aws_iam_role" "terraform" {
  name                 = "${var.name}-terraform"
  description          = "GitHub Actions terraform workflow: plan and apply this environment"
  assume_role_policy   = data.aws_iam_policy_document.terraform_assume.json
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
