output "address" {
  description = "Host name of the database."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the database."
  value       = aws_db_instance.this.port
}

output "db_name" {
  description = "Name of the application database."
  value       = aws_db_instance.this.db_name
}

output "username" {
  description = "Master user name."
  value       = aws_db_instance.this.username
}

output "password_parameter_name" {
  description = "Name of the SecureString parameter holding the password (never the password itself)."
  value       = aws_ssm_parameter.db_password.name
}

output "password_parameter_arn" {
  description = "ARN of the SecureString parameter holding the password."
  value       = aws_ssm_parameter.db_password.arn
}

output "kms_key_arn" {
  description = "KMS key that encrypts the database, its logs and the password parameter."
  value       = module.key.key_arn
}

output "instance_identifier" {
  description = "DB instance identifier (for dashboards)."
  value       = aws_db_instance.this.identifier
}
