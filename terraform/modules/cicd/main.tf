data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.region

  cluster_name = element(split("/", var.cluster_arn), 1)

  outputs_reader_environments = var.outputs_reader_environments != null ? var.outputs_reader_environments : var.deploy_environments
  listener_arns               = var.test_listener_arn == null ? [var.listener_arn] : [var.listener_arn, var.test_listener_arn]

  # Every AWS action the bluegreen controller calls, by statement. controller-actions.json beside
  # this file is the same list for the controller's tests; a test keeps the two equal.
  controller_actions = {
    EcsServices        = ["ecs:DescribeServices", "ecs:UpdateService"]
    EcsTaskDefinitions = ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"]
    EcsTagOnRegister   = ["ecs:TagResource"]
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
    ElbSwitchListener  = ["elasticloadbalancing:ModifyListener"]
    ScalingDescribe    = ["application-autoscaling:DescribeScalableTargets"]
    ScalingHoldScaleIn = ["application-autoscaling:RegisterScalableTarget"]
    AlarmsDescribe     = ["cloudwatch:DescribeAlarms"]
    MetricsRead        = ["cloudwatch:GetMetricData"]
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
# Deploy role (the bluegreen controller in the deploy workflow)
################################################################################

module "deploy_trust" {
  source = "../github_oidc_trust"

  github_oidc_provider_arn = var.github_oidc_provider_arn
  github_repository        = var.github_repository
  # Only the deploy environments (e.g. the deploy gate and a separate promotion gate): their
  # protection rules (reviewers, branch policy) gate every deploy, promotion and rollback.
  environments = var.deploy_environments
}

resource "aws_iam_role" "deploy" {
  name                 = "${var.name}-deploy"
  description          = "GitHub Actions deploy job: exactly the bluegreen controller's AWS calls"
  assume_role_policy   = module.deploy_trust.json
  max_session_duration = 3600
  permissions_boundary = var.permissions_boundary_arn

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
    sid     = "EcsTagOnRegister"
    actions = local.controller_actions.EcsTagOnRegister
    # A new revision carries the running one's tags (default_tags included); AWS authorizes
    # tag-on-create as ecs:TagResource. Only new revisions of our two families, and only while
    # registering them: no tagging of existing resources.
    resources = [for family in var.task_definition_families : "arn:${local.partition}:ecs:${local.region}:${local.account}:task-definition/${family}:*"]
    condition {
      test     = "StringEquals"
      variable = "ecs:CreateAction"
      values   = ["RegisterTaskDefinition"]
    }
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
    sid     = "ScalingDescribe"
    actions = local.controller_actions.ScalingDescribe
    # AWS requires "*": DescribeScalableTargets supports no resource-level permissions; the
    # conditions keep it to ECS services' desired counts.
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "application-autoscaling:service-namespace"
      values   = ["ecs"]
    }
    condition {
      test     = "StringEquals"
      variable = "application-autoscaling:scalable-dimension"
      values   = ["ecs:service:DesiredCount"]
    }
  }

  statement {
    sid     = "ScalingHoldScaleIn"
    actions = local.controller_actions.ScalingHoldScaleIn
    # The two services' scalable targets only. The controller sends SuspendedState alone
    # (capacities untouched); the targets exist (Terraform registered them), so no
    # iam:CreateServiceLinkedRole, and ECS's scaling uses that service-linked role, so no
    # iam:PassRole. AWS also checks ecs:DescribeServices and ecs:UpdateService on the service,
    # which EcsServices grants.
    resources = var.scalable_target_arns
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
module "outputs_reader_trust" {
  source = "../github_oidc_trust"

  github_oidc_provider_arn = var.github_oidc_provider_arn
  github_repository        = var.github_repository
  environments             = local.outputs_reader_environments
}

resource "aws_iam_role" "outputs_reader" {
  name                 = "${var.name}-outputs-reader"
  description          = "GitHub Actions: read this environment's Terraform outputs from its state, nothing else"
  assume_role_policy   = module.outputs_reader_trust.json
  max_session_duration = 3600
  permissions_boundary = var.permissions_boundary_arn

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
