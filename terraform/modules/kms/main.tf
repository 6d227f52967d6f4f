data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  region  = data.aws_region.current.region
  account = data.aws_caller_identity.current.account_id
}

################################################################################
# Key and alias
################################################################################

resource "aws_kms_key" "this" {
  description             = var.description
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.this.json

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}

################################################################################
# Key policy
################################################################################

data "aws_iam_policy_document" "this" {
  # checkov:skip=CKV_AWS_109:A key policy: "*" means this key, and the account statement is AWS's default that lets IAM grant use.
  # checkov:skip=CKV_AWS_111:A key policy: "*" means this key, and the account statement is AWS's default that lets IAM grant use.
  # checkov:skip=CKV_AWS_356:A key policy: "*" means this key; a key policy cannot name the key's own ARN.
  # The account statement: without it no IAM policy could ever grant use of the key. Services
  # that use the key through grants (RDS, DynamoDB, SSM) need nothing more.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"] # in a key policy "*" means this key
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${local.account}:root"]
    }
  }

  # CloudWatch Logs encrypts a log group's events with the key, for exactly the named groups.
  dynamic "statement" {
    for_each = length(var.log_group_names) > 0 ? [var.log_group_names] : []
    content {
      sid       = "CloudWatchLogsUsesKeyForTheseLogGroups"
      actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"]
      resources = ["*"] # in a key policy "*" means this key
      principals {
        type        = "Service"
        identifiers = ["logs.${local.region}.amazonaws.com"]
      }
      condition {
        test     = "ArnLike"
        variable = "kms:EncryptionContext:aws:logs:arn"
        values   = [for name in statement.value : "arn:${data.aws_partition.current.partition}:logs:${local.region}:${local.account}:log-group:${name}"]
      }
    }
  }

  # Other services that call KMS as themselves (CloudWatch Logs, CloudWatch alarms to SNS), each bound
  # by its condition to the one resource of the caller.
  dynamic "statement" {
    for_each = var.service_grants
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = ["*"] # in a key policy "*" means this key
      principals {
        type        = "Service"
        identifiers = [statement.value.service]
      }
      dynamic "condition" {
        for_each = statement.value.conditions
        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}
