################################################################################
# Encryption key
################################################################################

# DynamoDB uses the key through grants it creates for the table, so the account statement is all
# the policy needs; callers of GetItem/PutItem need no KMS permission.
module "key" {
  source = "../kms"

  name        = "${var.name}-deploy-state"
  description = "${var.name} deployment lock and history"

  tags = var.tags
}

# The key used to be a resource of this module: keep it (and the table it encrypts).
moved {
  from = aws_kms_key.this
  to   = module.key.aws_kms_key.this
}

moved {
  from = aws_kms_alias.this
  to   = module.key.aws_kms_alias.this
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
    kms_key_arn = module.key.key_arn
  }

  tags = var.tags
}

################################################################################
# Live colour
################################################################################

resource "aws_ssm_parameter" "live_color" {
  # checkov:skip=CKV2_AWS_34:Holds only "blue" or "green", not a secret; a String keeps it readable in the console and by `aws ssm get-parameter`.
  name        = "/${var.name}/live-color"
  description = "Colour receiving production traffic; written by the bluegreen controller after each cutover"
  type        = "String"
  value       = "blue"

  # The controller owns the value after creation: Terraform only creates the parameter, starting
  # at blue like the listener's weights and the services' counts. Nothing in Terraform reads it
  # back (a data source would be read during the first plan, before the parameter exists).
  lifecycle {
    ignore_changes = [value]
  }

  tags = var.tags
}
