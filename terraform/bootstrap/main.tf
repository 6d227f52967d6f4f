data "aws_caller_identity" "current" {}

locals {
  bucket_name = coalesce(var.bucket_name, "bluegreen-terraform-state-${data.aws_caller_identity.current.account_id}")
}

################################################################################
# Encryption key
################################################################################

resource "aws_kms_key" "state" {
  description             = "Terraform state of bluegreen"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
}

data "aws_iam_policy_document" "key" {
  # checkov:skip=CKV_AWS_109:A key policy: "*" means this key, and the account statement is AWS's default that lets IAM grant use.
  # checkov:skip=CKV_AWS_111:A key policy: "*" means this key, and the account statement is AWS's default that lets IAM grant use.
  # checkov:skip=CKV_AWS_356:A key policy: "*" means this key; a key policy cannot name the key's own ARN.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"] # in a key policy "*" means this key
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_kms_alias" "state" {
  name          = "alias/bluegreen-terraform-state"
  target_key_id = aws_kms_key.state.key_id
}

################################################################################
# State bucket
################################################################################

resource "aws_s3_bucket" "state" {
  # checkov:skip=CKV_AWS_18:Access logging would need a second bucket; CloudTrail data events are the audit trail if needed.
  # checkov:skip=CKV_AWS_144:Cross-region replication doubles the bootstrap; versioning covers a bad apply, and the stack can be re-imported.
  # checkov:skip=CKV2_AWS_62:Nothing consumes events from the state bucket.
  bucket = local.bucket_name

  # Losing the state orphans every resource: refuse to destroy while it holds objects.
  force_destroy = false

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    id     = "expire-old-state-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "state" {
  statement {
    sid       = "DenyPlainHttp"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"] # a Deny: the bucket and all its objects
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = data.aws_iam_policy_document.state.json

  depends_on = [aws_s3_bucket_public_access_block.state]
}

################################################################################
# GitHub OIDC provider (one per account)
################################################################################

# IAM allows one provider per URL and account. The environments' roles trust it by its fixed
# ARN (arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com), so staging and
# prod in one account share it. If the account already has one (another project, or an earlier
# version of this stack that created it per environment), set create_github_oidc_provider = false
# or import it: terraform import 'aws_iam_openid_connect_provider.github[0]' <its ARN>.
resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 1 : 0

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}
