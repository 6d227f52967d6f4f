output "deploy_role_arn" {
  description = "Role the deploy workflow assumes (aws-actions/configure-aws-credentials role-to-assume)."
  value       = aws_iam_role.deploy.arn
}

output "terraform_role_arn" {
  description = "Role the terraform workflow assumes to plan and apply."
  value       = aws_iam_role.terraform.arn
}

output "oidc_provider_arn" {
  description = "ARN of the account's GitHub OIDC provider."
  value       = local.oidc_provider_arn
}
