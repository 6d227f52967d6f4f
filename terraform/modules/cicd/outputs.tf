output "deploy_role_arn" {
  description = "Role the deploy workflow assumes (aws-actions/configure-aws-credentials role-to-assume)."
  value       = aws_iam_role.deploy.arn
}

output "terraform_role_arn" {
  description = "Role the terraform workflow assumes to plan and apply."
  value       = aws_iam_role.terraform.arn
}

output "outputs_reader_role_arn" {
  description = "Role a workflow assumes to read this environment's Terraform outputs from the state."
  value       = aws_iam_role.outputs_reader.arn
}

output "permissions_boundary_arn" {
  description = "Permissions boundary every role of the stack carries (the Terraform role may create or change only roles that carry it)."
  value       = aws_iam_policy.permissions_boundary.arn
}

output "oidc_provider_arn" {
  description = "ARN of the account's GitHub OIDC provider (created by terraform/bootstrap)."
  value       = local.oidc_provider_arn
}
