output "key_arn" {
  description = "ARN of the key: what resources name in kms_key_id and IAM policies in resources."
  value       = aws_kms_key.this.arn
}

output "key_id" {
  description = "ID of the key."
  value       = aws_kms_key.this.key_id
}

output "alias" {
  description = "Alias of the key, with the alias/ prefix."
  value       = aws_kms_alias.this.name
}
