output "deploy_role_arn" {
  description = "Role the deploy workflow assumes (aws-actions/configure-aws-credentials role-to-assume)."
  value       = aws_iam_role.deploy.arn
}

output "outputs_reader_role_arn" {
  description = "Role a workflow assumes to read this environment's Terraform outputs from the state."
  value       = aws_iam_role.outputs_reader.arn
}
