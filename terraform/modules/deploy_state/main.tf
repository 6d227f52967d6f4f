data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

################################################################################
# Encryption key
################################################################################

resource "aws_kms_key" "this" {
  description             = "${var.name} deployment lock and history"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json

  tags = var.tags
}

data "aws_iam_policy_document" "key" {
  # checkov:skip=CKV_AWS_109:A key policy: "*" means this key, and the account statement is AWS's default that lets IAM grant use.
  # checkov:skip=CKV_AWS_111:A key policy: "*" means this key, and the account statement is AWS's default that lets IAM grant use.
  # checkov:skip=CKV_AWS_356:A key policy: "*" means this key; a key policy cannot name the key's own ARN.
  # DynamoDB uses the key through grants it creates for the table, so the account statement is all
  # the policy needs; callers of GetItem/PutItem need no KMS permission.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"] # in a key policy "*" means this key
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-deploy-state"
  target_key_id = aws_kms_key.this.key_id
}

################################################################################
# Lock and history table
################################################################################

# One table holds the lock item and the history items, told apart by pk/sk; the controller's
# lease items carry expires_at so a dead holder's lock also ages out of the table.
resource "aws_dynamodb_table" "this" {
  name                        = "${var.name}-deployments"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.this.arn
  }

  tags = var.tags
}

################################################################################
# Live colour
################################################################################

resource "aws_ssm_parameter" "live_color" {
  # checkov:skip=CKV2_AWS_34:Holds only "blue" or "green", not a secret; a String lets the ALB module read it as a plain value.
  name        = "/${var.name}/live-color"
  description = "Colour receiving production traffic; written by the bluegreen controller, read by the ALB module"
  type        = "String"
  value       = "blue"

  # The controller owns the value after creation: Terraform only creates the parameter.
  lifecycle {
    ignore_changes = [value]
  }

  tags = var.tags
}
