data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    # Confused-deputy guard: only ECS acting for this account may assume the roles.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

locals {
  # Secrets Manager references may carry a JSON key and version (<secret ARN>:<key>:<stage>:<id>);
  # IAM authorises the secret itself.
  secrets_manager_arns = distinct([
    for arn in var.secrets_manager_arns : regex("^(arn:[^:]+:secretsmanager:[^:]+:[^:]+:secret:[^:]+)", arn)[0]
  ])
  decrypt_services = [
    "ssm.${data.aws_region.current.region}.amazonaws.com",
    "secretsmanager.${data.aws_region.current.region}.amazonaws.com",
  ]
}

################################################################################
# Task execution role (used by the ECS agent, never by the app)
################################################################################

resource "aws_iam_role" "task_exec" {
  name                 = "${var.name}-task-exec"
  description          = "ECS agent: pull the image, write the task logs, resolve the service's secrets"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume.json
  permissions_boundary = var.permissions_boundary_arn

  tags = var.tags
}

data "aws_iam_policy_document" "task_exec" {
  statement {
    sid     = "EcrAuthToken"
    actions = ["ecr:GetAuthorizationToken"]
    # AWS requires "*": the token is for the registry, which has no resource ARN.
    resources = ["*"]
  }

  statement {
    sid       = "PullTheAppImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    resources = [var.ecr_repository_arn]
  }

  statement {
    sid     = "WriteOwnLogGroup"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    # Stream names carry the task ID, unknown in advance: ":*" covers the streams of this one group.
    resources = ["${var.log_group_arn}:*"]
  }

  # Exactly the secrets the container definition names, each of the two kinds only if used.
  dynamic "statement" {
    for_each = length(var.secret_parameter_arns) > 0 ? [var.secret_parameter_arns] : []
    content {
      sid       = "ReadSecretParameters"
      actions   = ["ssm:GetParameters"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = length(var.secrets_manager_arns) > 0 ? [local.secrets_manager_arns] : []
    content {
      sid       = "ReadSecretsManagerSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = length(var.secret_kms_key_arns) > 0 ? [var.secret_kms_key_arns] : []
    content {
      sid       = "DecryptSecretsViaSsmOrSecretsManager"
      actions   = ["kms:Decrypt"]
      resources = statement.value
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = local.decrypt_services
      }
    }
  }
}

resource "aws_iam_role_policy" "task_exec" {
  name   = "task-exec"
  role   = aws_iam_role.task_exec.id
  policy = data.aws_iam_policy_document.task_exec.json
}

################################################################################
# Task role (the app's own identity)
################################################################################

resource "aws_iam_role" "task" {
  name                 = "${var.name}-task"
  description          = "The service's own AWS identity: only what its configuration grants"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume.json
  permissions_boundary = var.permissions_boundary_arn

  tags = var.tags
}

# The parameters the app reads itself (the reference app re-reads its database password after a
# rotation), each only through SSM with its key.
data "aws_iam_policy_document" "task" {
  count = length(var.task_readable_parameter_arns) > 0 ? 1 : 0

  statement {
    sid       = "ReadOwnParameters"
    actions   = ["ssm:GetParameter"]
    resources = var.task_readable_parameter_arns
  }

  dynamic "statement" {
    for_each = length(var.task_readable_kms_key_arns) > 0 ? [var.task_readable_kms_key_arns] : []
    content {
      sid       = "DecryptOwnParametersViaSsm"
      actions   = ["kms:Decrypt"]
      resources = statement.value
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ssm.${data.aws_region.current.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "task" {
  count = length(var.task_readable_parameter_arns) > 0 ? 1 : 0

  name   = "task"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task[0].json
}

moved {
  from = aws_iam_role_policy.task
  to   = aws_iam_role_policy.task[0]
}

# Whatever else the service needs from AWS (its S3 bucket, its queue): a policy document of the
# caller's, still capped by the permissions boundary.
resource "aws_iam_role_policy" "task_extra" {
  count = var.task_role_policy_json == null ? 0 : 1

  name   = "service"
  role   = aws_iam_role.task.id
  policy = var.task_role_policy_json
}
