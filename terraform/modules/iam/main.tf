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

################################################################################
# Task execution role (used by the ECS agent, never by the app)
################################################################################

resource "aws_iam_role" "task_exec" {
  name                 = "${var.name}-task-exec"
  description          = "ECS agent: pull the image, write the task logs, resolve the DB password secret"
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

  statement {
    sid       = "ReadDbPasswordSecret"
    actions   = ["ssm:GetParameters"]
    resources = [var.db_password_parameter_arn]
  }

  statement {
    sid       = "DecryptDbPasswordViaSsm"
    actions   = ["kms:Decrypt"]
    resources = [var.db_kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ssm.${data.aws_region.current.region}.amazonaws.com"]
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
  description          = "The items API: re-read its DB password after a rotation, nothing else"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume.json
  permissions_boundary = var.permissions_boundary_arn

  tags = var.tags
}

data "aws_iam_policy_document" "task" {
  statement {
    sid       = "ReadDbPassword"
    actions   = ["ssm:GetParameter"]
    resources = [var.db_password_parameter_arn]
  }

  statement {
    sid       = "DecryptDbPasswordViaSsm"
    actions   = ["kms:Decrypt"]
    resources = [var.db_kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ssm.${data.aws_region.current.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "task"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}
