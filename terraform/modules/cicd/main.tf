data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.region

  oidc_url          = "https://token.actions.githubusercontent.com"
  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : data.aws_iam_openid_connect_provider.github[0].arn
  cluster_name      = element(split("/", var.cluster_arn), 1)

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

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = local.oidc_url
  client_id_list = ["sts.amazonaws.com"]

  tags = var.tags
}

data "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 0 : 1

  url = local.oidc_url
}

################################################################################
# Deploy role (the bluegreen controller in the deploy workflow)
################################################################################

data "aws_iam_policy_document" "deploy_assume" {
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
    # Only jobs of this repository that run in the deploy environment, so the environment's
    # protection rules (reviewers, branch policy) gate every deploy.
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:${var.github_repository}:environment:${var.deploy_environment}"]
    }
  }
}

resource "aws_iam_role" "deploy" {
  name                 = "${var.name}-deploy"
  description          = "GitHub Actions deploy job: exactly the bluegreen controller's AWS calls"
  assume_role_policy   = data.aws_iam_policy_document.deploy_assume.json
  max_session_duration = 3600

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
    sid       = "ElbSwitchListener"
    actions   = local.controller_actions.ElbSwitchListener
    resources = [var.listener_arn]
  }

  statement {
    sid       = "AlarmsDescribe"
    actions   = local.controller_actions.AlarmsDescribe
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
# Terraform role (the plan/apply workflow)
################################################################################

# Broader by nature: it creates and changes everything in this stack. AWS's PowerUserAccess
# covers every service but IAM; IAM itself is limited to roles under this environment's prefix,
# the GitHub OIDC provider, and attaching the one AWS managed policy the stack uses.
data "aws_iam_policy_document" "terraform_assume" {
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
    # Pushes to main and jobs in the named environments; never a pull request or another branch.
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values = concat(
        ["repo:${var.github_repository}:ref:refs/heads/main"],
        [for environment in var.terraform_environments : "repo:${var.github_repository}:environment:${environment}"],
      )
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
    sid = "ManageStackRoles"
    actions = [
      "iam:CreateRole",
      "iam:DeleteRole",
      "iam:DeleteRolePolicy",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies",
      "iam:PutRolePolicy",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
    ]
    # Roles of this environment only (their names are "<name>-<role>").
    resources = ["arn:${local.partition}:iam::${local.account}:role/${var.name}-*"]
  }

  statement {
    sid     = "AttachOnlyTheRdsMonitoringPolicy"
    actions = ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]
    # Roles of this environment only (their names are "<name>-<role>").
    resources = ["arn:${local.partition}:iam::${local.account}:role/${var.name}-*"]
    condition {
      test     = "ArnEquals"
      variable = "iam:PolicyARN"
      values = [
        "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
        "arn:${local.partition}:iam::aws:policy/PowerUserAccess",
      ]
    }
  }

  statement {
    sid     = "PassStackRoles"
    actions = ["iam:PassRole"]
    # Roles of this environment only (their names are "<name>-<role>").
    resources = ["arn:${local.partition}:iam::${local.account}:role/${var.name}-*"]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com", "monitoring.rds.amazonaws.com", "vpc-flow-logs.amazonaws.com"]
    }
  }

  statement {
    sid = "ManageGithubOidcProvider"
    actions = [
      "iam:AddClientIDToOpenIDConnectProvider",
      "iam:CreateOpenIDConnectProvider",
      "iam:DeleteOpenIDConnectProvider",
      "iam:GetOpenIDConnectProvider",
      "iam:RemoveClientIDFromOpenIDConnectProvider",
      "iam:TagOpenIDConnectProvider",
      "iam:UntagOpenIDConnectProvider",
      "iam:UpdateOpenIDConnectProviderThumbprint",
    ]
    resources = ["arn:${local.partition}:iam::${local.account}:oidc-provider/token.actions.githubusercontent.com"]
  }

  statement {
    sid     = "StateFiles"
    actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    # The state and its .tflock file under any key of the state bucket.
    resources = ["${var.state_bucket_arn}/*"]
  }
}

resource "aws_iam_role_policy" "terraform" {
  name   = "terraform-iam-and-state"
  role   = aws_iam_role.terraform.id
  policy = data.aws_iam_policy_document.terraform.json
}
