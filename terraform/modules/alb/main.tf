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

################################################################################
# Target groups
################################################################################

# The two colours are identical but for their name: one health check tuned for a fast cutover.
# Worst case to healthy after registration: interval + healthy_threshold x interval = 15 s;
# to unhealthy: unhealthy_threshold x interval + timeout = 18 s; drained: deregistration_delay = 30 s.
resource "aws_lb_target_group" "this" {
  # checkov:skip=CKV_AWS_378:TLS ends at the ALB; targets serve plain HTTP inside the VPC, reachable from the ALB's security group only.
  for_each = toset(["blue", "green"])

  name                 = "${var.name}-${each.key}"
  vpc_id               = var.vpc_id
  target_type          = "ip" # Fargate tasks register by ENI address
  protocol             = "HTTP"
  port                 = var.app_port
  deregistration_delay = var.deregistration_delay

  health_check {
    path                = var.health_check_path
    protocol            = "HTTP"
    port                = "traffic-port"
    matcher             = var.health_check_matcher
    interval            = var.health_check_interval
    timeout             = var.health_check_timeout
    healthy_threshold   = var.healthy_threshold
    unhealthy_threshold = var.unhealthy_threshold
  }

  tags = merge(var.tags, { Color = each.key })
}

# The colours used to be two resources: keep the target groups (the services register into them).
moved {
  from = aws_lb_target_group.blue
  to   = aws_lb_target_group.this["blue"]
}

moved {
  from = aws_lb_target_group.green
  to   = aws_lb_target_group.this["green"]
}

################################################################################
# Listeners
################################################################################

# The weights belong to the bluegreen controller (design invariant 11: Terraform and the
# controller never both write one setting). Terraform creates each forwarding listener once with
# all traffic on blue (the colour the services and the live-colour parameter start with) and
# never touches its default_action again: `ignore_changes` below. Reading the live colour back
# from SSM instead would make the first plan of a new environment fail (a data source with known
# arguments is read during plan, before the parameter exists) and would let an apply during a
# canary reset the weights the controller is moving. Always the ForwardConfig form with both
# target groups, the form the controller's ModifyListener uses too.

resource "aws_lb_listener" "https" {
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = local.certificate_arn

  default_action {
    type = "forward"
    forward {
      target_group {
        arn    = aws_lb_target_group.this["blue"].arn
        weight = 100
      }
      target_group {
        arn    = aws_lb_target_group.this["green"].arn
        weight = 0
      }
      stickiness {
        enabled  = false
        duration = 1
      }
    }
  }

  # The controller owns the weights after creation (see the comment above the listeners).
  lifecycle {
    ignore_changes = [default_action]
  }

  tags = var.tags
}

moved {
  from = aws_lb_listener.https
  to   = aws_lb_listener.https[0]
}

# With HTTPS, port 80 only redirects (Terraform owns this one: the controller never changes it).
resource "aws_lb_listener" "http_redirect" {
  # checkov:skip=CKV_AWS_2:This listener only redirects to HTTPS; it never forwards.
  # checkov:skip=CKV_AWS_103:No TLS on a redirect-only plain HTTP listener.
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }

  tags = var.tags
}

moved {
  from = aws_lb_listener.http
  to   = aws_lb_listener.http_redirect[0]
}

# Without a certificate (no domain), port 80 is the production listener itself.
resource "aws_lb_listener" "http" {
  # checkov:skip=CKV_AWS_2:Only without a domain or certificate (domain_name null): then the ALB's DNS name serves plain HTTP, as the README says.
  # checkov:skip=CKV_AWS_103:Only without a domain or certificate (domain_name null): no TLS to configure.
  count = local.https ? 0 : 1

  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "forward"
    forward {
      target_group {
        arn    = aws_lb_target_group.this["blue"].arn
        weight = 100
      }
      target_group {
        arn    = aws_lb_target_group.this["green"].arn
        weight = 0
      }
      stickiness {
        enabled  = false
        duration = 1
      }
    }
  }

  # The controller owns the weights after creation (see the comment above the listeners).
  lifecycle {
    ignore_changes = [default_action]
  }

  tags = var.tags
}

# Optional: the idle colour before it takes production traffic (`bluegreen deploy --smoke`).
# Reachable only from test_listener_cidrs (the networking module's ingress rule). Created all on
# green, the idle colour at creation; afterwards the controller points it at each idle colour.
resource "aws_lb_listener" "test" {
  # checkov:skip=CKV_AWS_2:Plain HTTP only without a certificate; the port admits test_listener_cidrs only, never the internet.
  # checkov:skip=CKV_AWS_103:TLS 1.3 policy when HTTPS (ssl_policy); plain HTTP only without a certificate.
  count = local.test_listener ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = var.test_listener_port
  protocol          = local.https ? "HTTPS" : "HTTP"
  ssl_policy        = local.https ? var.ssl_policy : null
  certificate_arn   = local.https ? local.certificate_arn : null

  default_action {
    type = "forward"
    forward {
      target_group {
        arn    = aws_lb_target_group.this["blue"].arn
        weight = 0
      }
      target_group {
        arn    = aws_lb_target_group.this["green"].arn
        weight = 100
      }
      stickiness {
        enabled  = false
        duration = 1
      }
    }
  }

  # The controller points it at the idle colour before each smoke test.
  lifecycle {
    ignore_changes = [default_action]
  }

  tags = var.tags
}

################################################################################
# Certificate and DNS
################################################################################

resource "aws_acm_certificate" "this" {
  count = local.create_certificate ? 1 : 0

  domain_name       = var.domain_name
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }

  tags = var.tags
}

resource "aws_route53_record" "certificate_validation" {
  for_each = local.create_certificate ? {
    for option in aws_acm_certificate.this[0].domain_validation_options : option.domain_name => option
  } : {}

  zone_id         = var.route53_zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "this" {
  count = local.create_certificate ? 1 : 0

  certificate_arn         = aws_acm_certificate.this[0].arn
  validation_record_fqdns = [for record in aws_route53_record.certificate_validation : record.fqdn]
}

resource "aws_route53_record" "alias" {
  count = var.route53_zone_id != null && var.domain_name != null ? 1 : 0

  zone_id = var.route53_zone_id
  name    = var.domain_name
  type    = "A"

  alias {
    name                   = aws_lb.this.dns_name
    zone_id                = aws_lb.this.zone_id
    evaluate_target_health = true
  }
}

################################################################################
# Access logs
################################################################################

resource "aws_s3_bucket" "access_logs" {
  # checkov:skip=CKV_AWS_145:ALB access log delivery supports only SSE-S3, not SSE-KMS.
  # checkov:skip=CKV_AWS_18:This is the log bucket; logging its own access would recurse.
  # checkov:skip=CKV_AWS_144:Access logs are diagnostic and expire; cross-region replication is not worth its cost.
  # checkov:skip=CKV2_AWS_62:Nothing consumes events from the access logs.
  count = var.access_logs_enabled ? 1 : 0

  bucket_prefix = "${var.name}-alb-logs-"
  force_destroy = !var.deletion_protection

  tags = var.tags
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  count = var.access_logs_enabled ? 1 : 0

  bucket                  = aws_s3_bucket.access_logs[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "access_logs" {
  count = var.access_logs_enabled ? 1 : 0

  bucket = aws_s3_bucket.access_logs[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "access_logs" {
  count = var.access_logs_enabled ? 1 : 0

  bucket = aws_s3_bucket.access_logs[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "access_logs" {
  count = var.access_logs_enabled ? 1 : 0

  bucket = aws_s3_bucket.access_logs[0].id
  rule {
    id     = "expire"
    status = "Enabled"
    filter {}
    expiration {
      days = var.access_logs_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 7
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "access_logs" {
  count = var.access_logs_enabled ? 1 : 0

  statement {
    sid     = "ElbWritesLogs"
    actions = ["s3:PutObject"]
    # Log object keys carry dates and IDs: any object under this account's prefix of this bucket.
    resources = ["${aws_s3_bucket.access_logs[0].arn}/AWSLogs/${data.aws_caller_identity.current.account_id}/*"]
    principals {
      type        = "AWS"
      identifiers = [data.aws_elb_service_account.current.arn]
    }
  }

  statement {
    sid       = "DenyPlainHttp"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.access_logs[0].arn, "${aws_s3_bucket.access_logs[0].arn}/*"] # a Deny: the bucket and all its objects
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

resource "aws_s3_bucket_policy" "access_logs" {
  count = var.access_logs_enabled ? 1 : 0

  bucket = aws_s3_bucket.access_logs[0].id
  policy = data.aws_iam_policy_document.access_logs[0].json
}
