output "state_bucket" {
  description = "Name of the state bucket: pass it to `terraform init -backend-config=bucket=...`."
  value       = aws_s3_bucket.state.id
}

output "state_bucket_arn" {
  description = "ARN of the state bucket (the environments' state_bucket_arn local)."
  value       = aws_s3_bucket.state.arn
}

output "state_kms_key_arn" {
  description = "KMS key encrypting the state objects."
  value       = aws_kms_key.state.arn
}

output "github_oidc_provider_arn" {
  description = "ARN of the account's GitHub OIDC provider (the environments compute the same ARN; null when create_github_oidc_provider is false)."
  value       = var.create_github_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : null
}
