data "aws_elb_service_account" "current" {}

data "aws_caller_identity" "current" {}

locals {
  # HTTPS when there is a certificate to serve (given, or issued for domain_name in
  # route53_zone_id); otherwise the production listener is plain HTTP on the ALB's DNS name.
  create_certificate = var.certificate_arn == null && var.domain_name != null && var.route53_zone_id != null
  https              = var.certificate_arn != null || local.create_certificate
  certificate_arn    = local.create_certificate ? aws_acm_certificate_validation.this[0].certificate_arn : var.certificate_arn
  host               = coalesce(var.domain_name, aws_lb.this.dns_name)
  scheme             = local.https ? "https" : "http"

  production_listener_arn = local.https ? aws_lb_listener.https[0].arn : aws_lb_listener.http[0].arn
  test_listener           = var.test_listener_port != null
}

################################################################################
# Load balancer
################################################################################

resource "aws_lb" "this" {
  # checkov:skip=CKV2_AWS_20:With a domain or certificate, port 80 only redirects to HTTPS (http_redirect); without one, plain HTTP is the documented choice.
  # checkov:skip=CKV_AWS_150:Deletion protection is the deletion_protection variable: on in prod, off in staging so it can be destroyed.
  # checkov:skip=CKV2_AWS_28:A WAF web ACL is optional (web_acl_arn): AWS WAF costs at least $5/month plus rules, chosen per environment.
  # checkov:skip=CKV2_AWS_76:The web ACL, when one is given, is managed outside this module; its rule set is its owner's choice.
  # checkov:skip=CKV_AWS_91:Access logs are the access_logs_enabled variable: on in prod, off in the low-cost staging.
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.subnet_ids
  security_groups            = [var.security_group_id]
  idle_timeout               = var.idle_timeout
  drop_invalid_header_fields = true # request smuggling through malformed headers stops at the ALB
  enable_deletion_protection = var.deletion_protection

  dynamic "access_logs" {
    for_each = var.access_logs_enabled ? [1] : []
    content {
      bucket  = aws_s3_bucket.access_logs[0].id
      enabled = true
    }
  }

  lifecycle {
    precondition {
      condition     = var.domain_name == null || var.route53_zone_id != null || var.certificate_arn != null
      error_message = "domain_name needs route53_zone_id (to issue and validate a certificate) or certificate_arn; leave all three null to serve plain HTTP on the ALB's DNS name."
    }
  }

  tags = var.tags

  depends_on = [aws_s3_bucket_policy.access_logs]
}

resource "aws_wafv2_web_acl_association" "this" {
  count = var.web_acl_arn != null ? 1 : 0

  resource_arn = aws_lb.this.arn
  web_acl_arn  = var.web_acl_arn
}
