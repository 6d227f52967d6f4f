output "table_name" {
  description = "Name of the DynamoDB table holding the controller's lock and history."
  value       = aws_dynamodb_table.this.name
}

output "table_arn" {
  description = "ARN of the DynamoDB table (the deploy role's DynamoDB statement is scoped to it)."
  value       = aws_dynamodb_table.this.arn
}

output "live_color_parameter_name" {
  description = "Name of the SSM parameter holding the live colour."
  value       = aws_ssm_parameter.live_color.name
}

output "live_color_parameter_arn" {
  description = "ARN of the SSM parameter holding the live colour."
  value       = aws_ssm_parameter.live_color.arn
}
