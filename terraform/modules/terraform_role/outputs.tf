output "terraform_role_arn" {
  description = "Role the terraform workflow assumes to plan and apply."
  value       = aws_iam_role.terraform.arn
}

output "permissions_boundary_arn" {
  description = "Permissions boundary every other role of the stack must carry (the Terraform role may create or change only roles that carry it)."
  value       = aws_iam_policy.permissions_boundary.arn
}
